using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A real systemd (with dbus-daemon) booted as PID 1 of a skiff container made from a debootstrap rootfs
/// (Systemd/make-rootfs.sh; env SKIFF_SYSTEMD_ROOTFS overrides the path). The container gets its own cgroup2
/// view: it runs in a cgroup of the host's cgroup2 hierarchy (the SKIFF_CGROUP_V2_ROOT knob) with a cgroup
/// namespace and /sys/fs/cgroup mounted as cgroup2, so systemd runs in unified mode there. The runtime under test
/// is bound in at /opt/skiff and run inside with <see cref="In"/> (nsenter into every namespace, after joining the
/// container's cgroup), where it finds systemd's D-Bus at the usual socket: the driver talks to a real systemd.
/// </summary>
public sealed class SystemdHost : IDisposable
{
    public const string UnifiedRoot = "/sys/fs/cgroup/unified";

    private readonly string _ioDir = Path.Combine(RepoPaths.TempRoot, "systemd-io-" + Guid.NewGuid().ToString("N")[..8]);
    private int _seq;

    public SystemdHost()
    {
        RootfsPath = DefaultRootfs;
        Rt = new Runtime();
        Rt.Env["SKIFF_CGROUP_V2_ROOT"] = UnifiedRoot;
        SkipReason = WhyNot(RootfsPath);
        if (SkipReason is not null)
        {
            return;
        }
        Directory.CreateDirectory(_ioDir);
        ShareDir = Path.Combine(RepoPaths.TempRoot, "systemd-share-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(ShareDir);
        Boot();
    }

    /// <summary>The debootstrap rootfs: env SKIFF_SYSTEMD_ROOTFS, else /var/tmp/skiff-systemd-rootfs.</summary>
    public static string DefaultRootfs =>
        Environment.GetEnvironmentVariable("SKIFF_SYSTEMD_ROOTFS") is { Length: > 0 } p ? p : "/var/tmp/skiff-systemd-rootfs";

    /// <summary>Why systemd cannot be booted here (checked before the tests are run), or null.</summary>
    public static string? WhyNot(string rootfs)
    {
        if (RepoPaths.IsRunc)
        {
            return "boots systemd with skiff's SKIFF_CGROUP_V2_ROOT test knob";
        }
        if (!File.Exists(Path.Combine(rootfs, ".complete")))
        {
            return $"no systemd rootfs at {rootfs}: run tests/Skiff.IntegrationTests/Systemd/make-rootfs.sh";
        }
        return File.Exists(Path.Combine(UnifiedRoot, "cgroup.procs")) ? null : "no cgroup2 hierarchy at " + UnifiedRoot;
    }

    /// <summary>Why the systemd tests cannot run here, or null.</summary>
    public string? SkipReason { get; }

    public string RootfsPath { get; }

    public Runtime Rt { get; }

    /// <summary>The systemd container's id, host pid, and host cgroup directory (the root of its cgroup namespace).</summary>
    public string Id { get; private set; } = "";

    public int Pid { get; private set; }

    public string CgroupDir { get; private set; } = "";

    /// <summary>A host directory seen as /skiff-test inside (bundles for the runtime run inside).</summary>
    public string ShareDir { get; } = "";

    private void Boot()
    {
        Id = "it-systemd-" + Guid.NewGuid().ToString("N")[..8];
        var b = Bundle.Create("systemd", "/lib/systemd/systemd").Env("container", "skiff");
        string[] caps = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal)) is { } bnd
            ? AllCaps(Convert.ToUInt64(bnd[7..].Trim(), 16)) : [];
        b.Capabilities(caps);
        b.Edit(c =>
        {
            c["root"] = new JsonObject { ["path"] = RootfsPath, ["readonly"] = false };
            var mounts = Bundle.Arr(c, "mounts");
            foreach (var m in mounts.Where(m => m!["destination"]!.GetValue<string>() is "/sys" or "/sys/fs/cgroup").ToList())
            {
                mounts.Remove(m);
            }
            void Add(string dest, string type, string src, params string[] opts) =>
                mounts.Add(new JsonObject { ["destination"] = dest, ["type"] = type, ["source"] = src, ["options"] = new JsonArray(opts.Select(o => (JsonNode)o).ToArray()) });
            Add("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
            Add("/sys/fs/cgroup", "cgroup2", "cgroup2", "nosuid", "noexec", "nodev", "rw");
            Add("/run", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=755");
            Add("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev");
            Add("/opt/skiff", "bind", Path.GetDirectoryName(RepoPaths.RuntimePath)!, "rbind", "ro");
            Add("/opt/busybox", "bind", BusyboxRootfs.SharedPath, "rbind", "ro");
            Add("/skiff-test", "bind", ShareDir, "rbind", "rw");
            var linux = Bundle.Obj(c, "linux");
            linux["maskedPaths"] = new JsonArray();
            linux["readonlyPaths"] = new JsonArray();
            Bundle.Obj(linux, "resources")["devices"] = new JsonArray(new JsonObject { ["allow"] = true, ["access"] = "rwm" });
        });
        if (!b.HasNamespace("cgroup"))
        {
            b.AddNamespace("cgroup");
        }
        Rt.CreateAndStart(Id, b);
        Pid = Rt.State(Id)["pid"]!.GetValue<int>();
        CgroupDir = JsonNode.Parse(File.ReadAllText(Path.Combine(Rt.Root, Id, "state.json")))!["cgroup_paths"]![""]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string state = "";
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists($"/proc/{Pid}/root/run/dbus/system_bus_socket"))
            {
                state = In("systemctl", "is-system-running").Stdout.Trim();
                if (state is "running" or "degraded")
                {
                    return;
                }
            }
            Thread.Sleep(200);
        }
        throw new InvalidOperationException($"systemd in {Id} did not come up (state \"{state}\")");
    }

    private static string[] AllCaps(ulong mask)
    {
        string[] names =
        [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
            "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
        ];
        return names.Where((_, i) => (mask & (1UL << i)) != 0).ToArray();
    }

    /// <summary>Runs a command inside the systemd container (all its namespaces, its cgroup, its root).</summary>
    public RunResult In(params string[] args)
    {
        var n = Interlocked.Increment(ref _seq);
        var outPath = Path.Combine(_ioDir, $"{n:D4}.out");
        var errPath = Path.Combine(_ioDir, $"{n:D4}.err");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("o=$1 e=$2 cg=$3 pid=$4; shift 4; echo $$ > \"$cg/cgroup.procs\" || exit 125; " +
                             "exec nsenter -t \"$pid\" -a -r -w \"$@\" </dev/null >\"$o\" 2>\"$e\"");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(outPath);
        psi.ArgumentList.Add(errPath);
        psi.ArgumentList.Add(CgroupDir);
        psi.ArgumentList.Add(Pid.ToString());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        File.WriteAllText(outPath, "");
        File.WriteAllText(errPath, "");
        using var p = Process.Start(psi)!;
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill();
            throw new TimeoutException(string.Join(' ', args));
        }
        return new RunResult(args, p.ExitCode, outPath, errPath);
    }

    /// <summary>The runtime under test, run inside: /opt/skiff/&lt;name&gt; --root /run/skiff-nested ARGS.</summary>
    public RunResult Skiff(params string[] args) =>
        In(["/opt/skiff/" + RepoPaths.ProgramName, "--root", "/run/skiff-nested", .. args]);

    /// <summary>systemctl show UNIT -p PROP: the value, or "" for an unknown unit.</summary>
    public string Show(string unit, string prop) => In("systemctl", "show", unit, "-p", prop, "--value").Stdout.Trim();

    public void Dispose()
    {
        if (Pid > 0)
        {
            Rt.Delete(Id, force: true);
            Leaks.AssertNothingLeaked(Rt.Root, Id);
        }
        Rt.Cleanup();
        Runtime.TryDelete(_ioDir);
        if (ShareDir.Length > 0)
        {
            Runtime.TryDelete(ShareDir);
        }
    }
}
