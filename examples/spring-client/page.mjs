// The rest of the page, as plain stand-ins: where the resume point comes from, what a gap too old
// to replay does, and what presence events update.
export const roomId = process.env.ROOM ?? '42';
/** The last parley-offset and parley-epoch seen for the room (set before importing resume.mjs). */
export const resumeFrom = { roomId, lastOffset: 0, lastEpoch: '' };
export const reloads = [];
export const reloadLatestPage = () => reloads.push(roomId);
export const presence = [];
export const onPresence = (event) => presence.push(event);
/** What sockjs.mjs connects with (set before importing it). */
export const stompArgs = { token: '', onConnected: () => {}, onError: () => {} };
