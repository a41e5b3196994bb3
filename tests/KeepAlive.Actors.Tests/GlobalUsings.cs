// The shared test infrastructure (tests/KeepAlive.Testing) and the fake model server (src/KeepAlive.Fakes),
// which the bench and the host's --demo use too.
global using KeepAlive.Fakes;
global using KeepAlive.Testing;
