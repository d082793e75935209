// The safety properties' independent checker (see safety.property.test.ts).
import type { PaxosEvent } from '../../shared/paxos/events.ts';
import type { Chosen } from '../../shared/paxos/types.ts';
// ---------------------------------------------------------------------------
// The independent checker: what is chosen, computed from scratch from the log.
// It does not use observer.ts; it only replays every granted accept request.
// ---------------------------------------------------------------------------

interface SentAccept {
  to: string;
  proposalId: number;
  value: string;
}

export class Checker {
  /** Accept requests by message id, copies included, as the log shows them sent. */
  private readonly accepts = new Map<number, SentAccept>();
  /** Voters per (proposal id, value), in the order their votes were granted. */
  private readonly votes = new Map<
    string,
    { proposalId: number; value: string; voters: string[] }
  >();
  readonly chosen: Chosen[] = [];
  /** Proposal ids that got votes for two different values. */
  readonly twoValueProposals = new Set<number>();
  grantsByHand = 0;

  constructor(private readonly quorum: number) {}

  observe(event: PaxosEvent): void {
    if (event.type === 'requestSent' && event.message.kind === 'acceptRequest') {
      const { id, to, proposalId, value } = event.message;
      this.accepts.set(id, { to, proposalId, value });
    } else if (event.type === 'messageDuplicated') {
      const original = this.accepts.get(event.messageId);
      if (original) this.accepts.set(event.copy.id, original);
    } else if (event.type === 'requestDelivered') {
      const request = this.accepts.get(event.messageId);
      if (request && event.reply.granted) this.vote(request);
    }
  }

  private vote({ to, proposalId, value }: SentAccept): void {
    const key = `${proposalId}\u0000${value}`;
    const tally = this.votes.get(key) ?? { proposalId, value, voters: [] };
    this.votes.set(key, tally);
    for (const other of this.votes.values()) {
      if (other.proposalId === proposalId && other.value !== value) {
        this.twoValueProposals.add(proposalId);
      }
    }
    if (tally.voters.includes(to)) return;
    tally.voters.push(to);
    if (tally.voters.length === this.quorum) {
      this.chosen.push({ proposalId, value, acceptors: [...tally.voters] });
    }
  }

  /** How many proposal ids got votes. */
  ballots(): number {
    return new Set([...this.votes.values()].map((t) => t.proposalId)).size;
  }

  /** Whether acceptors voted for two different values at all (a contested run). */
  contested(): boolean {
    return new Set([...this.votes.values()].map((t) => t.value)).size > 1;
  }

  /** Distinct chosen values, in the order they were first chosen. */
  values(): string[] {
    return [...new Set(this.chosen.map((c) => c.value))];
  }
}
