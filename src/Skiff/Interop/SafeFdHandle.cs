using Microsoft.Win32.SafeHandles;

namespace Skiff.Interop;

/// <summary>An owned file descriptor; -1 (not 0) is invalid, since 0 is a valid fd.</summary>
internal sealed class SafeFdHandle : SafeHandleMinusOneIsInvalid
{
    public SafeFdHandle(int fd) : base(ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    /// <summary>Gives the fd to a <see cref="SafeFileHandle"/> (for a <see cref="FileStream"/>); this handle is spent.</summary>
    public SafeFileHandle ToFileHandle()
    {
        var h = new SafeFileHandle(handle, ownsHandle: true);
        SetHandleAsInvalid();
        return h;
    }

    protected override bool ReleaseHandle() => Native.close((int)handle) == 0;
}
