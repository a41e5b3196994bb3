// The shared test infrastructure (tests/KeepAlive.Testing): the redis-server, the fake model server, the test node.
global using KeepAlive.Fakes;
global using KeepAlive.Testing;
