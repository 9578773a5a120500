/** What this process's flusher did, for health(). */
export interface FleetStats {
  /** Shards this process owns now. */
  ownedShards: number;
  deliveredObjects: number;
  deliveredEvents: number;
  /** Objects of records that came after their window was sealed. */
  lateObjects: number;
  lateEvents: number;
  /** Batches found delivered already (by an owner before this one) and skipped. */
  skippedDelivered: number;
  /** Times this process lost a shard's lease while it owned the shard. */
  leasesLost: number;
  failedUploads: number;
  /** Batches this process moved to the dead letters (a permanent error, or failing for deadLetterAfterMs), and their events. */
  deadLetters: number;
  deadLetterEvents: number;
}

export function emptyFleetStats(): FleetStats {
  return { ownedShards: 0, deliveredObjects: 0, deliveredEvents: 0, lateObjects: 0, lateEvents: 0, skippedDelivered: 0, leasesLost: 0, failedUploads: 0, deadLetters: 0, deadLetterEvents: 0 };
}
