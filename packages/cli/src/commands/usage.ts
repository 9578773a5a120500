/** Help texts, one per command; `sluice help <command>` prints them. */
export const EXIT_CODES_TEXT = `Exit codes:
  0  done (serve: shut down after delivering, or with the rest kept in the file spool;
     flusher: stopped on SIGTERM or SIGINT with its leases released)
  1  failed at run time: cannot listen, spool locked or unusable, S3 unreachable, file error
  2  wrong usage or invalid config (the message names the option or key and the fix)
  3  needs a person: verify found a permission missing; dead-letters found dead letters
  4  serve: shut down with accepted events lost (memory spool, deadline passed)`;

export const USAGE: Record<string, string> = {
  main: `Usage: sluice <command> [options]

Commands:
  serve         the HTTP collector and the inspector page
  flusher       a fleet-mode flusher: owns shards of the Redis streams and uploads to S3
  policy        print the minimal bucket policy
  verify        check, with the delivering credentials, that a bucket grants what delivery needs
  dead-letters  list the dead letters of a spool, or of a fleet (--redis)
  replay        move dead letters back to pending (a spool) or to the live streams (a fleet)

sluice help <command> (or sluice <command> --help) for its options.

${EXIT_CODES_TEXT}`,
  serve: `Usage: sluice serve [--config sluice.config.json] [--host H] [--port N] [--print-config]

Collects events over HTTP and delivers them to S3, one gzip NDJSON object per bucket, prefix
and minute. Every event answered with 202 is in the spool (on disk by default) first.

  --config FILE   the config (default: ./sluice.config.json if it exists; otherwise a demo:
                  an embedded test S3 server, data under .sluice-demo/)
  --host H        listen address (overrides listen.host)
  --port N        listen port (overrides listen.port; 0 picks a free one)
  --print-config  print the effective config, secrets masked, and exit

Strings "\${NAME}" in the config are read from the environment variable NAME (for tokens
and credentials). S3 credentials default to the AWS SDK chain (AWS_ACCESS_KEY_ID, profile, role).

Endpoints: POST /v1/events, GET /v1/events/:id, GET /healthz, GET /readyz, GET /metrics,
and the inspector page at /. SIGTERM or SIGINT: stop listening, deliver for at most
shutdownTimeoutMs, keep the rest in the spool; a second signal exits at once.

${EXIT_CODES_TEXT}`,
  flusher: `Usage: sluice flusher [--config sluice.config.json] [--print-config]

Runs a fleet-mode flusher (docs/fleet.md): it joins the fleet on the Redis of the config's
"fleet" section, owns the shards assigned to it (one owner per shard fleet-wide) and writes
one gzip NDJSON object per destination-window to S3 with the config's "s3" section. Give it the
url, shards and keyPrefix the producers use; it runs with role "flusher" whatever "role" says.

  --config FILE   the config (default: ./sluice.config.json; required: a "fleet" section)
  --print-config  print the effective config, secrets and the Redis password masked, and exit

Strings "\${NAME}" in the config are read from the environment variable NAME. SIGTERM or
SIGINT: stops its shard owners (an upload under way is aborted and redone by the next owner),
releases its leases and leaves the fleet, so another flusher takes its shards at once; then
exits 0. A second signal exits 1 at once (the leases then expire after fleet.leaseMs).

${EXIT_CODES_TEXT}`,
  policy: `Usage: sluice policy --bucket B --principal ARN [--prefix P]

Prints the minimal bucket policy for delivery (AbortMultipartUpload, GetBucketLocation,
PutObject, PutObjectAcl, ListBucketMultipartUploads). With --prefix, the object actions are
limited to keys under the prefix.

${EXIT_CODES_TEXT}`,
  verify: `Usage: sluice verify --bucket B [--prefix P] [--config FILE] [--endpoint URL] [--region R]
                     [--acl bucket-owner-full-control] [--principal ARN]

Checks with the delivering credentials (the config's s3 section, else the AWS SDK chain) that
each permission delivery needs is granted, one line each, and writes nothing: PutObject is
proven with a multipart upload that is aborted, never completed. On failure prints the policy
that grants what is missing (--principal fills in the ARN).

${EXIT_CODES_TEXT}`,
  'dead-letters': `Usage: sluice dead-letters (--spool DIR | --config FILE)
       sluice dead-letters --redis URL [--shards N] [--key-prefix P] [--cluster]

Lists the spool's dead letters (batches given up on, with the reason), pending batches and
unreadable files. Exit code 3 when there are dead letters or unreadable files.

With --redis, lists the dead letters of a fleet (docs/fleet.md): one line per batch a shard
owner gave up on, with its route, size, reason, shard, events and the key it would have had.
Give the fleet's shards (default 16) and keyPrefix (default sluice). Exit code 3 when there
are dead letters, 1 when Redis cannot be reached.

${EXIT_CODES_TEXT}`,
  replay: `Usage: sluice replay (--spool DIR | --config FILE) [--id ID ...]
       sluice replay --redis URL [--shards N] [--key-prefix P] [--cluster] [--id ID ...]

Moves dead letters (all, or those named) back to the pending batches, with a progress bar on a
terminal and one line per batch when piped. The next 'sluice serve' on the spool delivers
them; stop the collector that holds the spool first.

With --redis, appends a fleet's dead letters back to their shards' streams, each in the same
script that removes it (so each is replayed once, even by two replays at a time). Each
shard's owner delivers them, in their original window, as a late object of that window. Fix
the cause first (create the bucket, grant the permission). Exit code 1 when an --id is not a
dead letter of the fleet or Redis cannot be reached.

${EXIT_CODES_TEXT}`,
};
