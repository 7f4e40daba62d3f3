import { createClient } from '@parley/sdk';
import type {
  ChatMessage,
  ClientState,
  Member,
  ParleyClient,
  Room,
  SendPromise,
} from '@parley/sdk';
import { BANNER_DELAY_MS, SUPPORT_INBOX_ROOM } from '../shared/constants.js';
import { sheet } from '../loader/styles.js';
import type { ChatContext } from './context.js';
import type { Identity } from '../shared/options.js';
import { wsUrl } from '../shared/options.js';
import { mayPublish } from './grants.js';
import { localIdStore, tokenSource, tokenUser } from './identity.js';
import { page } from './history.js';
import { fromChat, merge } from './messages.js';
import type { ViewMessage } from './messages.js';

/** The connection as the panel words it. */
export type Connection = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'failed';

/** A support conversation in the agent's inbox. */
export interface Conversation {
  userId: string;
  name?: string;
  last: string;
  time: Date;
  unread: number;
}

export interface ChatState {
  connection: Connection;
  /** The reconnect banner: shown only after BANNER_DELAY_MS without a connection. */
  banner: boolean;
  me?: Member;
  /** The open room's id; undefined in the agent's inbox. */
  room?: string;
  messages: ViewMessage[];
  typing: Member[];
  /** People present in the room (the visitor included), once the relay's member list came. */
  online?: number;
  /** The highest offset someone else has read. */
  readUpTo: number;
  loadingOlder: boolean;
  hasOlder: boolean;
  agent: boolean;
  conversations: Conversation[];
  /** Text for the polite live region. */
  announcement: string;
}

const CONNECTION: Record<ClientState, Connection> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  disconnected: 'offline',
  failed: 'failed',
};

/** Agent mode, in its own lazy chunk (agent.tsx). */
export type AgentModule = typeof import('./agent.js');

/** The chat's state and behaviour, apart from the components that draw it. */
export class ChatController {
  state: ChatState;
  /** Agent mode's chunk, once loaded (agents only). */
  agent: AgentModule | undefined;
  readonly #ctx: ChatContext;
  readonly #listeners = new Set<() => void>();
  #client: ParleyClient | undefined;
  #room: Room | undefined;
  #roomOff: Array<() => void> = [];
  #inboxOff: (() => void) | undefined;
  #inboxSheet: CSSStyleSheet | undefined;
  #token: string | undefined;
  #unread = 0;
  #bannerTimer: ReturnType<typeof setTimeout> | undefined;
  #announced = false;
  #generation = 0;
  readonly #offOpen: () => void;

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    const agent = ctx.options.conversation === 'support' && ctx.options.agent === true;
    this.state = {
      connection: 'connecting',
      banner: false,
      messages: [],
      typing: [],
      readUpTo: 0,
      loadingOlder: false,
      hasOlder: true,
      agent,
      conversations: [],
      announcement: '',
    };
    this.#offOpen = ctx.onOpenChange((open) => {
      if (open) this.markSeen();
    });
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of [...this.#listeners]) fn();
  }

  /** Connects with the boot options' identity. */
  start(identity: Identity = this.#ctx.options): void {
    const generation = ++this.#generation;
    const source = tokenSource(identity, this.#ctx.relay, localIdStore());
    let primed: Promise<string> | undefined = source();
    const token = async (): Promise<string> => {
      const next = primed ?? source();
      primed = undefined;
      const value = await next;
      this.#token = value;
      const user = tokenUser(value);
      if (user && user.id !== this.state.me?.id) this.#set({ me: user });
      return value;
    };
    const client = createClient({
      url: wsUrl(this.#ctx.relay),
      token,
      // A Worker from a blob: URL would need `worker-src blob:` in the page's CSP.
      heartbeatStrategy: 'interval',
    });
    this.#client = client;
    client.on('state', ({ newState }) => this.#connection(CONNECTION[newState]));
    client.on('outbox', (m) => {
      const patch: Partial<ViewMessage> = { status: m.status };
      if (m.receipt && m.receipt.offset > 0) patch.offset = m.receipt.offset;
      this.#patchMessage(m.clientId, patch);
    });
    client.on('connected', () => {
      if (this.#room && this.state.messages.length === 0) void this.#loadLatest();
    });
    const { options } = this.#ctx;
    if (this.state.agent) void this.#followInbox(client, generation);
    else if (options.conversation === 'support') {
      // The visitor's own room needs their user id: from the first token.
      void token().then(
        (t) => {
          primed = Promise.resolve(t);
          const me = tokenUser(t);
          if (generation === this.#generation && me) this.openRoom(`support.${me.id}`);
        },
        () => this.#connection('failed'),
      );
    } else this.openRoom(options.room ?? 'lobby');
    client.connect().catch(() => undefined);
  }

  #connection(connection: Connection): void {
    if (connection === this.state.connection) return;
    clearTimeout(this.#bannerTimer);
    const lost = connection === 'reconnecting' || connection === 'offline';
    if (lost) this.#bannerTimer = setTimeout(() => this.#set({ banner: true }), BANNER_DELAY_MS);
    this.#set({ connection, ...(!lost && { banner: false }) });
    this.#ctx.emit('connection', { state: connection });
  }

  /** Shows room `id` (agents: a conversation; everyone else: their one room). */
  openRoom(id: string): void {
    const client = this.#client;
    if (!client) return;
    this.#leaveRoom();
    const room = client.room(id);
    this.#room = room;
    this.#set({
      room: id,
      messages: [],
      typing: [],
      online: undefined,
      readUpTo: 0,
      hasOlder: true,
      conversations: this.state.conversations.map((c) =>
        `support.${c.userId}` === id ? { ...c, unread: 0 } : c,
      ),
    });
    // The SDK keeps the typing set (expiry included) and the member set (a `members` listener
    // makes the visitor present); the widget only shows them.
    this.#roomOff = [
      room.on('message', (m) => this.#onMessage(m)),
      room.on('resync', (e) => this.#replace(e.messages)),
      room.on('typing', ({ users }) =>
        this.#set({ typing: users.filter((u) => u.id !== this.state.me?.id) }),
      ),
      room.on('members', ({ members }) => this.#set({ online: members.length })),
      room.on('read', ({ user, offset }) => {
        if (user.id !== this.state.me?.id && offset > this.state.readUpTo)
          this.#set({ readUpTo: offset });
      }),
    ];
    if (client.state === 'connected') void this.#loadLatest();
  }

  /** Back to the inbox (agents). */
  closeRoom(): void {
    this.#leaveRoom();
    this.#set({ room: undefined, messages: [], typing: [], online: undefined });
  }

  #leaveRoom(): void {
    for (const off of this.#roomOff) off();
    this.#roomOff = [];
    this.#room = undefined;
  }

  async #loadLatest(): Promise<void> {
    const room = this.#room;
    const latest = room && (await page(room));
    if (!latest || room !== this.#room) return;
    const me = this.state.me?.id;
    this.#set({
      messages: merge(
        this.state.messages,
        latest.messages.map((m) => fromChat(m, me)),
      ),
      hasOlder: latest.hasMore,
    });
    this.markSeen();
  }

  /** Loads the page before the oldest message shown. */
  async loadOlder(): Promise<void> {
    const room = this.#room;
    const oldest = this.state.messages.find((m) => Number.isFinite(m.offset) && m.offset > 0);
    if (!room || this.state.loadingOlder || !this.state.hasOlder || !oldest) return;
    this.#set({ loadingOlder: true });
    const older = await page(room, oldest.offset);
    if (room !== this.#room) return;
    const me = this.state.me?.id;
    this.#set({
      loadingOlder: false,
      hasOlder: !!older?.hasMore,
      messages: older
        ? merge(
            this.state.messages,
            older.messages.map((m) => fromChat(m, me)),
          )
        : this.state.messages,
    });
  }

  #onMessage(m: ChatMessage): void {
    const view = fromChat(m, this.state.me?.id);
    this.#set({
      messages: merge(this.state.messages, [view]),
      typing: this.state.typing.filter((u) => u.id !== view.senderId),
    });
    if (view.mine) return;
    const strings = this.#ctx.strings;
    const who = view.senderName ?? view.senderId;
    this.#ctx.emit('message', {
      id: view.id,
      room: m.room,
      text: view.text,
      sender: { id: view.senderId, name: view.senderName },
      timestamp: view.time.toISOString(),
    });
    if (this.#ctx.isOpen() && !document.hidden) {
      this.#set({ announcement: strings.messageFrom(who, view.text) });
      this.markSeen();
    } else {
      this.#ctx.setUnread(++this.#unread);
    }
  }

  #replace(messages: readonly ChatMessage[]): void {
    const me = this.state.me?.id;
    const pending = this.state.messages.filter((m) => m.mine && m.status !== 'sent');
    this.#set({
      messages: merge(
        pending,
        messages.map((m) => fromChat(m, me)),
      ),
    });
  }

  /** Loads the agent chunk (once), adopts its styles and follows the inbox. */
  async #followInbox(client: ParleyClient, generation: number): Promise<void> {
    let agent: AgentModule;
    try {
      agent = this.agent ??= await import('./agent.js');
    } catch {
      return this.#connection('failed');
    }
    if (generation !== this.#generation) return;
    const root = this.#ctx.root;
    if (!this.#inboxSheet) {
      this.#inboxSheet = sheet(agent.INBOX_CSS);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, this.#inboxSheet];
    }
    this.#inboxOff = agent.followInbox(
      client,
      () => this.state,
      (patch) => this.#set(patch),
    );
    this.#set({});
  }

  /** Sends a message; false when there is nothing to send or no room. */
  send(text: string): boolean {
    const body = text.trim();
    const room = this.#room;
    if (!body || !room) return false;
    let sent: SendPromise;
    try {
      sent = room.send({ text: body });
    } catch {
      return false;
    }
    sent.catch(() => undefined);
    const out = sent.outgoing;
    const me = this.state.me;
    this.#set({
      messages: merge(this.state.messages, [
        {
          key: sent.clientId,
          clientId: sent.clientId,
          offset: Infinity,
          senderId: me?.id ?? '',
          ...(me?.name !== undefined && { senderName: me.name }),
          text: body,
          time: new Date(),
          mine: true,
          status: out.status,
          retry: () => void out.retry().catch(() => undefined),
        },
      ]),
    });
    this.#announceConversation(body);
    return true;
  }

  /** Visitors in support mode tell the agents' inbox once per page that they wrote. */
  #announceConversation(preview: string): void {
    const client = this.#client;
    if (this.#announced || this.state.agent || this.#ctx.options.conversation !== 'support') return;
    if (!client || !mayPublish(this.#token, `/topic/room.${SUPPORT_INBOX_ROOM}`)) return;
    this.#announced = true;
    client
      .room(SUPPORT_INBOX_ROOM)
      .send({ text: preview.slice(0, 140) })
      .catch(() => undefined);
  }

  #patchMessage(key: string, patch: Partial<ViewMessage>): void {
    if (!this.state.messages.some((m) => m.key === key)) return;
    this.#set({
      messages: merge(
        this.state.messages.map((m) => (m.key === key ? { ...m, ...patch } : m)),
        [],
      ),
    });
  }

  /** The visitor typed (the SDK sends a signal at most once per 2.5 s). */
  typing(): void {
    this.#room?.typing();
  }

  /** The panel shows the newest message: clear the badge and mark the room read. */
  markSeen(): void {
    if (!this.#ctx.isOpen()) return;
    this.#unread = 0;
    this.#ctx.setUnread(0);
    const last = [...this.state.messages]
      .reverse()
      .find((m) => Number.isFinite(m.offset) && m.offset > 0);
    if (last) this.#room?.markRead(last.offset);
  }

  identify(identity: Identity): void {
    this.#stopClient();
    this.#set({ me: undefined, messages: [], conversations: [], room: undefined });
    this.start(identity);
  }

  #stopClient(): void {
    this.#generation++;
    this.#leaveRoom();
    this.#inboxOff?.();
    this.#inboxOff = undefined;
    this.#client?.dispose();
    this.#client = undefined;
  }

  destroy(): void {
    this.#stopClient();
    this.#offOpen();
    clearTimeout(this.#bannerTimer);
    const root = this.#ctx.root;
    root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== this.#inboxSheet);
    this.#listeners.clear();
  }
}
