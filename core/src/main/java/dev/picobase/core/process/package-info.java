/**
 * One PocketBase operating-system process and its supervision: finding the executable
 * ({@link dev.picobase.core.process.PocketBaseBinary}), leasing it a loopback port
 * ({@link dev.picobase.core.process.PortAllocator}), launching it in a process group of its own and
 * waiting until it is healthy and really listening on that port
 * ({@link dev.picobase.core.process.PocketBaseProcess}, {@code HealthProbe}, {@code ListeningSocket}),
 * its bounded output, written by the OS to a file ({@link dev.picobase.core.process.InstanceLog}), stopping it or a stray
 * left by an earlier run ({@link dev.picobase.core.process.PidFile}), and reporting how it ended
 * ({@link dev.picobase.core.process.ProcessExit}, {@link dev.picobase.core.process.StopOutcome}).
 * Nothing here knows about instance status, snapshots or the metadata store; which process serves
 * which instance, and what an exit means, is {@link dev.picobase.core.runtime}'s business. Threading:
 * starting and stopping block (up to the boot timeout or the stop grace period) and belong on a
 * bounded blocking executor, never a Netty event loop; exits are reported on JDK process-reaper
 * threads (the only thread a running instance costs); the allocator, logs and accessors are thread-safe.
 */
package dev.picobase.core.process;
