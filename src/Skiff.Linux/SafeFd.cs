using Microsoft.Win32.SafeHandles;

namespace Skiff.Linux;

/// <summary>An owned file descriptor. 0 is a valid fd, so only -1 is invalid.</summary>
public sealed class SafeFd : SafeHandleMinusOneIsInvalid
{
    public SafeFd() : base(ownsHandle: true) { }

    public SafeFd(int fd, bool ownsHandle = true) : base(ownsHandle) => SetHandle(fd);

    public int Fd => (int)DangerousGetHandle();

    /// <summary>Gives up ownership and returns the raw fd (a child inherits it, or it is sent away).</summary>
    public int Detach()
    {
        int fd = Fd;
        SetHandleAsInvalid();
        return fd;
    }

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;

    public override string ToString() => $"fd {Fd}";
}
