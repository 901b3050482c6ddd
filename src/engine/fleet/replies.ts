import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { PREFIX, type JobProgress, type JobResult } from './queues.js';
import { TurnBatch } from './turn-batch.js';

/**
 * What a worker tells the coordinators that follow a step. Each coordinator reads only what concerns
 * its own steps, from a list of its own: BullMQ's event stream carries every event of every job of the
 * queue (added, waiting, active, progress, completed …) to every reader, which cost a coordinator more
 * than the rest of its work per step. Losing a reply costs time, never a result: the coordinator also
 * looks at every job it follows from time to time, and the records in PostgreSQL decide.
 */
export type Reply = { key: string } & ({ kind: 'progress'; progress: JobProgress } | { kind: 'completed'; result: JobResult } | { kind: 'failed'; run: string; reason: string });

/** Followers and replies outlive a coordinator that dies by a day at most. */
const TTL_S = 24 * 3600;
/** Replies read at once, at most. */
const BATCH = 500;
/** How long the inbox lets replies gather after a read, in ms: a step's end is heard this much later at most. */
const GATHER_MS = 25;
/** How long one blocking read waits, in seconds. */
const BLOCK_S = 5;

const followersKey = (key: string) => `${PREFIX}:followers:${key}`;
const INBOX = `${PREFIX}:replies:`;

/**
 * One round trip: the reply pushed to the inbox of every follower of its step; at the step's end the
 * followers are forgotten (a coordinator that comes later finds the job gone and reads the record).
 */
const TELL = `
local followers = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(followers) do
  redis.call('RPUSH', ARGV[1] .. id, ARGV[2])
  redis.call('EXPIRE', ARGV[1] .. id, ARGV[3])
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
end
return #followers`;

/** Sends `reply` to every coordinator following its step (none: nothing is sent). */
export async function tell(redis: Redis, reply: Reply): Promise<void> {
  await redis.eval(TELL, 1, followersKey(reply.key), INBOX, JSON.stringify(reply), TTL_S, reply.kind === 'progress' ? '0' : '1');
}

/**
 * A coordinator's list of replies, read by one blocking connection of its own until that is closed. The
 * steps it starts following together are registered in one round trip.
 */
export class ReplyInbox {
  readonly id = randomBytes(8).toString('hex');
  private reading?: Promise<void>;
  private readonly registering = new TurnBatch<{ key: string; jobKey: string }, boolean>(async (steps) => {
    const multi = this.redis.multi();
    for (const { key, jobKey } of steps) multi.sadd(followersKey(key), this.id).expire(followersKey(key), TTL_S).exists(jobKey);
    const results = (await multi.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed || results.length < steps.length * 3) throw failed?.[0] ?? new Error('Redis did not answer every command');
    return steps.map((_, i) => results[i * 3 + 2]![1] === 1);
  });

  constructor(
    /** For following: any connection. */
    private readonly redis: Redis,
    /** Blocks on the inbox: a connection nothing else uses. */
    private readonly blocking: Redis,
    private readonly onReply: (reply: Reply) => void,
  ) {}

  /** Asks the workers to tell this inbox about `key`; says whether the queue holds a job of that id (`jobKey`, BullMQ's hash of it) now. */
  follow(key: string, jobKey: string): Promise<boolean> {
    this.reading ??= this.read();
    return this.registering.add({ key, jobKey });
  }

  private async read(): Promise<void> {
    const key = INBOX + this.id;
    const open = () => this.blocking.status !== 'end';
    // Until its connection is closed (with the fleet's queues).
    while (open()) {
      let texts: string[];
      try {
        const got = (await this.blocking.blmpop(BLOCK_S, 1, key, 'LEFT', 'COUNT', BATCH)) as [string, string[]] | null;
        if (!got) continue;
        texts = got[1];
      } catch {
        // Redis away for a moment (or the connection closed): the coordinator's looks cover what is missed.
        if (open()) await sleep(500);
        continue;
      }
      for (const text of texts) {
        let reply: Reply;
        try {
          reply = JSON.parse(text) as Reply;
        } catch {
          continue;
        }
        this.onReply(reply);
      }
      // Replies come in bursts (a batch's legs end together): a moment's wait lets the next read take
      // many at once, where reading each as it comes costs a round trip each.
      await sleep(GATHER_MS);
    }
  }
}
