/**
 * Keepalive: after `intervalMs` with nothing heard from the peer, send a global request that needs a reply
 * (`keepalive@openssh.com`, as OpenSSH's ServerAliveInterval / ClientAliveInterval do; any reply, even
 * REQUEST_FAILURE, proves the peer is alive). After `countMax` unanswered probes the peer is declared dead.
 */
export interface KeepaliveOptions {
  intervalMs: number;
  countMax: number;
}

export class Keepalive {
  private lastHeard: number;
  private unanswered = 0;

  constructor(
    private readonly opts: KeepaliveOptions | undefined,
    now: number,
  ) {
    this.lastHeard = now;
  }

  heard(now: number): void {
    this.lastHeard = now;
    this.unanswered = 0;
  }

  deadline(): number | undefined {
    if (!this.opts || this.opts.intervalMs <= 0) return undefined;
    return this.lastHeard + this.opts.intervalMs * (this.unanswered + 1);
  }

  /** Called when the deadline passed: 'probe' to send one more request, 'dead' when the count is exhausted. */
  expire(now: number): 'probe' | 'dead' | 'wait' {
    const d = this.deadline();
    if (d === undefined || now < d) return 'wait';
    if (this.unanswered >= this.opts!.countMax) return 'dead';
    this.unanswered++;
    return 'probe';
  }
}
