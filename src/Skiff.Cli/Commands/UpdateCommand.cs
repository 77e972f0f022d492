using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

internal sealed class UpdateCommand : NotImplementedCommand
{
    public override string Name => "update";
    public override string Usage => "update container resource constraints";
    public override string ArgsUsage => "<container-id>";
    protected override int ExpectedArgs => 1;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("resources", "path to the file containing the resources to update or '-' to read from the standard input", null, "r"),
        Flag.Str("blkio-weight", "Specifies per cgroup weight, range is from 10 to 1000"),
        Flag.Str("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Str("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Str("cpu-burst", "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"),
        Flag.Str("cpu-share", "CPU shares (relative weight vs. other containers)"),
        Flag.Str("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Str("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Str("cpuset-cpus", "CPU(s) to use"),
        Flag.Str("cpuset-mems", "Memory node(s) to use"),
        Flag.Str("kernel-memory", "(obsoleted; do not use)"),
        Flag.Str("kernel-memory-tcp", "(obsoleted; do not use)"),
        Flag.Str("memory", "Memory limit (in bytes)"),
        Flag.Str("cpu-idle", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"),
        Flag.Str("memory-reservation", "Memory reservation or soft_limit (in bytes)"),
        Flag.Str("memory-swap", "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
        Flag.Int("pids-limit", "Maximum number of pids allowed in the container"),
        Flag.Str("l3-cache-schema", "The string of Intel RDT/CAT L3 cache schema"),
        Flag.Str("mem-bw-schema", "The string of Intel RDT/MBA memory bandwidth schema"),
    ];
}
