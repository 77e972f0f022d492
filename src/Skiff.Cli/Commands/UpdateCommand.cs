using Microsoft.Win32.SafeHandles;
using System.Text.Json;
using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.GoJson;
using Skiff.RuntimeSpec.Json;

namespace Skiff.Cli.Commands;

/// <summary>runc's update.go: new cgroup limits for a running container, from flags or a resources JSON.</summary>
internal sealed class UpdateCommand : Command
{
    public override string Name => "update";
    public override string Usage => "update container resource constraints";
    public override string ArgsUsage => "<container-id>";
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("resources", """
            path to the file containing the resources to update or '-' to read from the standard input

            The accepted format is as follow (unchanged values can be omitted):

            {
              "memory": {
                "limit": 0,
                "reservation": 0,
                "swap": 0
              },
              "cpu": {
                "shares": 0,
                "quota": 0,
                "burst": 0,
                "period": 0,
                "realtimeRuntime": 0,
                "realtimePeriod": 0,
                "cpus": "",
                "mems": "",
                "idle": 0
              },
              "blockIO": {
                "weight": 0
              }
            }

            Note: if data is to be read from a file or the standard input, all
            other options are ignored.
            """, null, "r"),
        Flag.Int("blkio-weight", "Specifies per cgroup weight, range is from 10 to 1000"),
        Flag.Str("cpu-period", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Str("cpu-quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Str("cpu-burst", "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"),
        Flag.Str("cpu-share", "CPU shares (relative weight vs. other containers)"),
        Flag.Str("cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
        Flag.Str("cpu-rt-runtime", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
        Flag.Str("cpuset-cpus", "CPU(s) to use"),
        Flag.Str("cpuset-mems", "Memory node(s) to use"),
        new Flag("kernel-memory", FlagKind.String, "(obsoleted; do not use)") { Hidden = true },
        new Flag("kernel-memory-tcp", FlagKind.String, "(obsoleted; do not use)") { Hidden = true },
        Flag.Str("memory", "Memory limit (in bytes)"),
        Flag.Str("cpu-idle", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"),
        Flag.Str("memory-reservation", "Memory reservation or soft_limit (in bytes)"),
        Flag.Str("memory-swap", "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
        Flag.Int("pids-limit", "Maximum number of pids allowed in the container"),
        Flag.Str("l3-cache-schema", "The string of Intel RDT/CAT L3 cache schema"),
        Flag.Str("mem-bw-schema", "The string of Intel RDT/MBA memory bandwidth schema"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        Container c = inv.GetContainer();
        var a = inv.Args;
        var o = new UpdateOptions
        {
            Memory = a.String("memory"),
            MemoryReservation = a.String("memory-reservation"),
            MemorySwap = a.String("memory-swap"),
            KernelMemory = a.String("kernel-memory"),
            KernelMemoryTcp = a.String("kernel-memory-tcp"),
            CpuShares = a.String("cpu-share"),
            CpuPeriod = a.String("cpu-period"),
            CpuQuota = a.String("cpu-quota"),
            CpuBurst = a.String("cpu-burst"),
            CpuRtPeriod = a.String("cpu-rt-period"),
            CpuRtRuntime = a.String("cpu-rt-runtime"),
            CpusetCpus = a.String("cpuset-cpus"),
            CpusetMems = a.String("cpuset-mems"),
            CpuIdle = a.String("cpu-idle"),
            PidsLimit = a.IsSet("pids-limit") ? a.Int("pids-limit") : null,
            BlkioWeight = a.IsSet("blkio-weight") ? a.Int("blkio-weight") : null,
            L3CacheSchema = a.String("l3-cache-schema"),
            MemBwSchema = a.String("mem-bw-schema"),
        };
        string? file = a.String("resources");
        if (!string.IsNullOrEmpty(file)) o.FromFile = ReadResources(file);
        c.Update(o);
        return 0;
    }

    private static LinuxResources ReadResources(string file)
    {
        byte[] json;
        try
        {
            if (file == "-")
            {
                // fd 0 as a FileStream, not Console.OpenStandardInput: System.Console (terminfo, signal handling) stays
                // out of the binary (-50 KB).
                using var stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 0);
                using var ms = new MemoryStream();
                stdin.CopyTo(ms);
                json = ms.ToArray();
            }
            else
            {
                json = File.ReadAllBytes(file);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerException($"open {file}: no such file or directory");
        }
        try
        {
            return GoJsonDecoder.Decode<LinuxResources>(json, SpecShapes.LinuxResources) ?? new LinuxResources();
        }
        catch (GoJsonException ex)
        {
            throw new ContainerException($"parsing resources: {ex.Message}");
        }
    }
}
