/* global Parley */
// A visitor without an account: a guest token from the relay, in the lobby.
Parley('boot', { room: 'lobby', guest: true });
