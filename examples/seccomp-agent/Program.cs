using System.Text;
using static Skiff.Examples.SeccompAgent.Native;

namespace Skiff.Examples.SeccompAgent;

/// <summary>
/// An example seccomp notify agent for linux.seccomp.listenerPath. For every connection it reads the
/// runtime's ContainerProcessState JSON with the notify fd (SCM_RIGHTS), writes the JSON to STATE_FILE, and
/// answers the container's notified syscalls: mkdir/mkdirat of a path whose last element is NAME fail with
/// ERRNO; everything else continues (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
/// </summary>
internal static unsafe class Program
{
    private const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003, AUDIT_ARCH_AARCH64 = 0xC00000B7;

    private static int Main(string[] args)
    {
        if (args.Length < 2 || args.Length > 4)
        {
            Console.Error.WriteLine("usage: seccomp-agent SOCKET STATE_FILE [NAME [ERRNO]]\n" +
                "  mkdir/mkdirat of a path ending in NAME (default: denied-by-agent) fail with ERRNO (default: 1, EPERM)");
            return 2;
        }
        string socketPath = args[0], stateFile = args[1];
        string name = args.Length > 2 ? args[2] : "denied-by-agent";
        int errno = args.Length > 3 ? int.Parse(args[3]) : 1;

        int listener = Listen(socketPath);
        Console.Error.WriteLine($"seccomp-agent: listening on {socketPath}");
        while (true)
        {
            int conn = accept4(listener, null, null, SOCK_CLOEXEC);
            if (conn < 0)
            {
                if (Errno == EINTR) continue;
                throw Error("accept4");
            }
            byte[] state;
            List<int> fds;
            try { (state, fds) = Receive(conn); }
            finally { close(conn); }

            string tmp = stateFile + ".tmp";
            File.WriteAllBytes(tmp, state);
            File.Move(tmp, stateFile, overwrite: true);
            Console.Error.WriteLine($"seccomp-agent: state {Encoding.UTF8.GetString(state)} with {fds.Count} fd(s)");

            foreach (int fd in fds)
                new Thread(() => Serve(fd, name, errno)) { IsBackground = true, Name = $"notify fd {fd}" }.Start();
        }
    }

    private static int Listen(string path)
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw Error("socket");
        byte[] pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= 108) throw new ArgumentException($"socket path too long: {path}");
        byte* addr = stackalloc byte[110];
        new Span<byte>(addr, 110).Clear();
        *(ushort*)addr = AF_UNIX;
        pathBytes.CopyTo(new Span<byte>(addr + 2, 108));
        unlink(path);
        if (bind(fd, addr, (uint)(2 + pathBytes.Length + 1)) < 0) throw Error($"bind {path}");
        if (listen(fd, 16) < 0) throw Error("listen");
        return fd;
    }

    /// <summary>Reads the whole message (the runtime closes after one send) and the fds that came with it.</summary>
    private static (byte[] Data, List<int> Fds) Receive(int conn)
    {
        var data = new MemoryStream();
        var fds = new List<int>();
        byte[] buf = new byte[64 * 1024];
        const int controlSize = 16 + 16 * sizeof(int); // CMSG_SPACE(16 fds)
        byte* control = stackalloc byte[controlSize];
        while (true)
        {
            nint n;
            fixed (byte* p = buf)
            {
                var iov = new IoVec { Base = p, Len = (nuint)buf.Length };
                var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = controlSize };
                n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
                if (n < 0 && Errno == EINTR) continue;
                if (n < 0) throw Error("recvmsg");
                for (byte* c = control; msg.ControlLen >= (nuint)sizeof(CmsgHdr) && c + sizeof(CmsgHdr) <= control + (int)msg.ControlLen;)
                {
                    var h = (CmsgHdr*)c;
                    if (h->Len < (nuint)sizeof(CmsgHdr)) break;
                    if (h->Level == SOL_SOCKET && h->Type == SCM_RIGHTS)
                        for (int i = 0; i < ((int)h->Len - sizeof(CmsgHdr)) / sizeof(int); i++)
                            fds.Add(((int*)(c + sizeof(CmsgHdr)))[i]);
                    c += ((int)h->Len + 7) & ~7;
                }
            }
            if (n == 0) break;
            data.Write(buf, 0, (int)n);
        }
        return (data.ToArray(), fds);
    }

    /// <summary>Answers notifications on <paramref name="fd"/> until every task under the filter is gone.</summary>
    private static void Serve(int fd, string name, int errno)
    {
        while (true)
        {
            var pfd = new PollFd { Fd = fd, Events = POLLIN };
            if (poll(&pfd, 1, -1) < 0)
            {
                if (Errno == EINTR) continue;
                break;
            }
            if ((pfd.Revents & POLLIN) == 0 && (pfd.Revents & POLLHUP) != 0) break; // the container is gone

            SeccompNotif req = default; // must be zeroed for NOTIF_RECV
            if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
            {
                if (Errno is EINTR or ENOENT) continue; // ENOENT: the task died before we read it
                Console.Error.WriteLine($"seccomp-agent: NOTIF_RECV: errno {Errno}");
                break;
            }

            var resp = new SeccompNotifResp { Id = req.Id, Flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
            if (MkdirPathArg(req.Data) is ulong address && ReadString(req.Pid, address) is string path)
            {
                // The path was read from the task's memory: only trust it if the request is still alive.
                ulong id = req.Id;
                bool valid = ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
                bool deny = valid && LastElement(path) == name;
                Console.Error.WriteLine($"seccomp-agent: pid {req.Pid} mkdir \"{path}\": {(deny ? $"errno {errno}" : "continue")}");
                if (deny) resp = new SeccompNotifResp { Id = req.Id, Error = -errno };
            }
            if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && Errno != ENOENT)
                Console.Error.WriteLine($"seccomp-agent: NOTIF_SEND: errno {Errno}");
        }
        close(fd);
    }

    /// <summary>The address of the path argument when the syscall is mkdir or mkdirat.</summary>
    private static ulong? MkdirPathArg(in SeccompData d) => (d.Arch, d.Nr) switch
    {
        (AUDIT_ARCH_X86_64, 83) or (AUDIT_ARCH_I386, 39) => d.Args[0],    // mkdir(path, mode)
        (AUDIT_ARCH_X86_64, 258) or (AUDIT_ARCH_I386, 296) or (AUDIT_ARCH_AARCH64, 34) => d.Args[1], // mkdirat(dfd, path, mode)
        _ => null,
    };

    private static string LastElement(string path)
    {
        string p = path.TrimEnd('/');
        int slash = p.LastIndexOf('/');
        return slash < 0 ? p : p[(slash + 1)..];
    }

    /// <summary>A NUL-terminated string from the task's memory (/proc/PID/mem), at most PATH_MAX bytes.</summary>
    private static string? ReadString(uint pid, ulong address)
    {
        int mem = open($"/proc/{pid}/mem", O_RDONLY | O_CLOEXEC);
        if (mem < 0) return null;
        try
        {
            byte[] buf = new byte[4096];
            int have = 0;
            fixed (byte* p = buf)
            {
                while (have < buf.Length)
                {
                    // Read up to the end of the page so a string near an unmapped page still reads.
                    ulong at = address + (ulong)have;
                    int chunk = (int)Math.Min((ulong)(buf.Length - have), 4096 - (at & 4095));
                    nint n = pread(mem, p + have, chunk, (long)at);
                    if (n <= 0) return null;
                    int nul = Array.IndexOf(buf, (byte)0, have, (int)n);
                    if (nul >= 0) return Encoding.UTF8.GetString(buf, 0, nul);
                    have += (int)n;
                }
            }
            return null;
        }
        finally { close(mem); }
    }
}
