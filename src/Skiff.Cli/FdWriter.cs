using System.Text;
using Skiff.Linux;

namespace Skiff.Cli;

/// <summary>
/// A TextWriter straight onto fd 1 or 2 with write(2). Not FileStream: on a regular file that was not opened
/// O_APPEND it writes at its own cached offset (pwrite) and can overwrite what the caller's shell wrote before.
/// </summary>
internal sealed class FdWriter : TextWriter
{
    private readonly SafeFd _fd;

    public FdWriter(int fd) => _fd = new SafeFd(fd, ownsHandle: false);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        try { Libc.WriteAll(_fd, Encoding.UTF8.GetBytes(value)); }
        catch (SyscallException) { /* a closed stdout (EPIPE) must not turn into a second error */ }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
}
