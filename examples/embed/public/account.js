/* global Parley */
// A signed-in visitor: their own support conversation, with a JWT from this site's /token.
Parley('boot', { conversation: 'support', tokenUrl: '/token', theme: { accent: '#0b7285' } });
