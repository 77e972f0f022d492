using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cgroups.Devices;

/// <summary>
/// Loads a device filter program and attaches it to a cgroup v2 directory (runc's ebpf.LoadAttachCgroupDeviceFilter).
/// The new program is attached (BPF_F_ALLOW_MULTI) before the old ones are detached, so the cgroup is never
/// without a filter. Works wherever a cgroup2 hierarchy is mounted, controllers or not (devices is not a controller).
/// </summary>
public static class DeviceFilter
{
    /// <summary>Compiles <paramref name="rules"/>, loads and attaches the program to <paramref name="cgroupDir"/>, detaches the old ones.</summary>
    public static void Apply(string cgroupDir, IEnumerable<DeviceRule> rules)
    {
        byte[] code = BpfInstruction.Encode(DeviceFilterProgram.Compile(rules));
        using SafeFd dir = OpenDir(cgroupDir);
        List<SafeFd> old = Attached(dir, cgroupDir);
        try
        {
            using SafeFd prog = Load(code);
            Errno e = Libc.BpfProgAttach(dir, prog, Libc.BPF_CGROUP_DEVICE, Libc.BPF_F_ALLOW_MULTI);
            if (e != Errno.OK)
                throw new DeviceRuleException("failed to call BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)", new SyscallException("bpf", e, cgroupDir));
            if (old.Count > 1) Log.Info($"found more than one filter ({old.Count}) attached to a cgroup -- removing extra filters!");
            foreach (SafeFd o in old) Detach(dir, o, cgroupDir);
        }
        finally
        {
            foreach (SafeFd o in old) o.Dispose();
        }
    }

    /// <summary>The ids of the device programs attached to <paramref name="cgroupDir"/> (BPF_PROG_QUERY).</summary>
    public static uint[] AttachedProgramIds(string cgroupDir)
    {
        using SafeFd dir = OpenDir(cgroupDir);
        return Query(dir, cgroupDir);
    }

    /// <summary>Detaches every device program from <paramref name="cgroupDir"/> (rmdir of the cgroup drops them too).</summary>
    public static void DetachAll(string cgroupDir)
    {
        using SafeFd dir = OpenDir(cgroupDir);
        foreach (SafeFd p in Attached(dir, cgroupDir))
            using (p) Detach(dir, p, cgroupDir);
    }

    /// <summary>Loads encoded instructions as a BPF_PROG_TYPE_CGROUP_DEVICE program (license "Apache").</summary>
    public static SafeFd Load(byte[] code)
    {
        Errno e = Libc.BpfProgLoad(Libc.BPF_PROG_TYPE_CGROUP_DEVICE, code, DeviceFilterProgram.License, out SafeFd? prog, out string log);
        if (e == Errno.OK) return prog!;
        var inner = new SyscallException("bpf(BPF_PROG_LOAD)", e);
        throw new DeviceRuleException(log.Length > 0 ? $"failed to load device filter program (verifier: {log})" : "failed to load device filter program", inner);
    }

    private static SafeFd OpenDir(string path) => Libc.Open(path, Libc.O_DIRECTORY | Libc.O_RDONLY);

    private static void Detach(SafeFd dir, SafeFd prog, string path)
    {
        Errno e = Libc.BpfProgDetach(dir, prog, Libc.BPF_CGROUP_DEVICE);
        if (e != Errno.OK && e != Errno.ENOENT)
            throw new DeviceRuleException("failed to call BPF_PROG_DETACH (BPF_CGROUP_DEVICE) on old filter program", new SyscallException("bpf", e, path));
    }

    private static uint[] Query(SafeFd dir, string path)
    {
        Errno e = Libc.BpfProgQuery(dir, Libc.BPF_CGROUP_DEVICE, out uint[] ids);
        if (e != Errno.OK)
            throw new DeviceRuleException("failed to call BPF_PROG_QUERY (BPF_CGROUP_DEVICE)", new SyscallException("bpf", e, path));
        return ids;
    }

    private static List<SafeFd> Attached(SafeFd dir, string path)
    {
        var fds = new List<SafeFd>();
        try
        {
            foreach (uint id in Query(dir, path))
            {
                Errno e = Libc.BpfProgGetFdById(id, out SafeFd? fd);
                if (e == Errno.ENOENT) continue; // detached meanwhile
                if (e != Errno.OK)
                    throw new DeviceRuleException($"cannot open device filter program {id}", new SyscallException("bpf(BPF_PROG_GET_FD_BY_ID)", e));
                fds.Add(fd!);
            }
            return fds;
        }
        catch
        {
            foreach (SafeFd f in fds) f.Dispose();
            throw;
        }
    }
}
