using System.Text;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// A user namespace with given mappings, held by an fd (runc's userns.Handles, for idmapped mounts whose mapping is
/// not the container's): `skiff` is spawned with _SKIFF_USERNS_HOLDER, whose nsexec constructor unshares a user
/// namespace and waits; we write its uid_map and gid_map, open /proc/PID/ns/user, then let it exit and reap it.
/// </summary>
internal static class UsernsHolder
{
    /// <summary>nsexec.h ENV_USERNS_HOLDER.</summary>
    public const string EnvName = "_SKIFF_USERNS_HOLDER";

    /// <summary>An O_RDONLY fd of a new user namespace with these maps.</summary>
    public static SafeFd Create(IReadOnlyList<LinuxIdMapping> uidMap, IReadOnlyList<LinuxIdMapping> gidMap)
    {
        var (inRead, inWrite) = Libc.Pipe();
        var (outRead, outWrite) = Libc.Pipe();
        using var stdinWrite = inWrite;
        using var stdoutRead = outRead;
        int pid;
        SafeFd pidfd;
        using (inRead)
        using (outWrite)
        using (SafeFd devNull = Libc.Open("/dev/null", Libc.O_WRONLY))
        {
            pid = Spawner.Spawn("/proc/self/exe", ["skiff:[userns]"], [EnvName + "=1"],
                [inRead.Fd, outWrite.Fd, devNull.Fd]);
            pidfd = Libc.PidfdOpen(pid);
        }
        using SafeFd child = pidfd;
        try
        {
            Span<byte> b = stackalloc byte[1];
            if (Libc.Read(stdoutRead, b, "read userns holder") != 1)
                throw new ContainerException("the user namespace holder exited before it made its namespace");
            WriteMap(pid, "uid_map", uidMap);
            WriteMap(pid, "gid_map", gidMap);
            return Libc.Open($"/proc/{pid}/ns/user", Libc.O_RDONLY);
        }
        finally
        {
            stdinWrite.Dispose(); // EOF: the holder exits
            Libc.WaitExit(child);
        }
    }

    private static void WriteMap(int pid, string file, IReadOnlyList<LinuxIdMapping> map)
    {
        string path = $"/proc/{pid}/{file}";
        using SafeFd fd = Libc.Open(path, Libc.O_WRONLY);
        byte[] text = Encoding.ASCII.GetBytes(BootstrapData.FormatIdMap(map));
        // uid_map takes exactly one write.
        Libc.WriteAll(fd, text, "write " + path);
    }
}
