/* global Parley */
// The events of docs/widget.md: the unread count in the tab's title, and every message logged.
Parley('on', 'unread', ({ count }) => (document.title = count ? `(${count}) Shop` : 'Shop'));
addEventListener('parley:message', (e) => console.log(e.detail.sender.id, e.detail.text));
