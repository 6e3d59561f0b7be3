/* Behaviours of the Windows backend alone (overlapped pool, pipes, keys),
 * run on every Windows mode. */
