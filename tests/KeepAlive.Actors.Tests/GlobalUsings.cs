// The fake model server lives in the host, where --demo uses it too; the tests share that one copy.
global using KeepAlive.Host.Demo;
