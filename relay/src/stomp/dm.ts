import { validateDestination } from '../auth/acl.js';
import type { Principal } from '../auth/principal.js';
import type { BrokerMessage, PublishInput } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import type { ChatHost } from './chat-host.js';
import {
  DM_NOTICE_KIND,
  checkDmUser,
  dmDestination,
  dmNoticeDestination,
} from './dm-destination.js';
import type { DmCopy } from './dm-destination.js';
import { publishInput } from './send.js';
import { sendReceipt } from './send-receipt.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/** Body of a new-conversation notice on `/user/<peer>/queue/parley-dm`. */
export interface DmNoticeJson {
  /** Who wrote. */
  from: string;
  /** Their display name, when their token has one. */
  name?: string;
  /** The recipient's copy of the conversation, as they subscribe to it. */
  destination: string;
  /** Offset of the message in the recipient's copy. */
  offset: number;
  timestamp: number;
}

/**
 * A SEND to a conversation copy `/user/<owner>/queue/dm.<peer>` (other than one's own notes to
 * self), checked now; returns its effect. Only the copy's peer may write to it: alice writes to
 * bob with `SEND /user/bob/queue/dm.alice`, never into bob's conversation with carol, and never
 * straight into her own copy (the relay keeps that one). A `message` is published to the
 * recipient's copy, then mirrored into the sender's copy with the same relay timestamp and
 * `parley-client-id` (so a resend is de-duplicated in both copies, and the mirror is never
 * published twice), then announced on the recipient's `parley-dm` queue. A `typing` goes to the
 * recipient's copy only. The RECEIPT stamps are those of the sender's copy.
 * @internal
 */
export function dmSend(
  frame: Frame,
  principal: Principal,
  host: ChatHost,
  copy: DmCopy,
): () => Promise<ReceiptHeaders> {
  // Destination, grants, kind and headers first, as for any SEND.
  const input = publishInput(frame, principal, host.rules, host.binary(frame));
  const me = principal.userId;
  if (copy.owner === me) {
    throw new StompError(
      REASONS.protocolError,
      `/user/queue/dm.${copy.peer.slice(0, 64)} is your copy of the conversation: write to /user/${copy.peer.slice(0, 64)}/queue/dm.${me.slice(0, 64)} and the relay keeps your copy`,
    );
  }
  if (copy.peer !== me) {
    throw new StompError(
      REASONS.forbidden,
      `not allowed to write into ${copy.owner.slice(0, 64)}'s conversation with ${copy.peer.slice(0, 64)}: write to ${copy.owner.slice(0, 64)} with /user/${copy.owner.slice(0, 64)}/queue/dm.<your user id>`,
    );
  }
  checkDmUser(me, 'your user id');
  if (input.ephemeral) {
    return async () => sendReceipt(await host.broker.publish(input));
  }
  const mirror = dmDestination(me, copy.owner);
  validateDestination(mirror, host.rules.maxLength);
  return async () => {
    const theirs = await host.broker.publish(input);
    const mine = await host.broker.publish({
      ...input,
      destination: mirror,
      timestamp: theirs.timestamp,
    });
    if (!mine.duplicate) host.published(mine);
    if (!theirs.duplicate) await notify(host, input, theirs, copy.owner);
    return sendReceipt(mine);
  };
}

/** Tells `recipient` (ephemerally) that `input.sender` wrote to them. */
async function notify(
  host: ChatHost,
  input: PublishInput,
  message: BrokerMessage,
  recipient: string,
): Promise<void> {
  const notice: DmNoticeJson = {
    from: input.sender,
    ...(input.senderName !== undefined && { name: input.senderName }),
    destination: `/user/queue/dm.${input.sender}`,
    offset: message.offset,
    timestamp: message.timestamp,
  };
  await host.broker.publish({
    destination: dmNoticeDestination(recipient),
    body: new TextEncoder().encode(JSON.stringify(notice)),
    headers: [
      ['content-type', 'application/json'],
      ['parley-kind', DM_NOTICE_KIND],
    ],
    sender: input.sender,
    ...(input.senderName !== undefined && { senderName: input.senderName }),
    ephemeral: true,
  });
}
