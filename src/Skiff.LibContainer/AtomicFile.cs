using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>Writes a file so readers see the old or the new content, never half (temp file, fsync, rename).</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> data, uint mode)
    {
        string tmp = $"{path}.tmp-{Environment.ProcessId}";
        try
        {
            using (var fd = Libc.Open(tmp, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, mode))
            {
                Libc.WriteAll(fd, data, $"write {tmp}");
                Check.Rc(Libc.fsync(fd.Fd), "fsync", tmp);
            }
            Check.Rc(Libc.rename(tmp, path), "rename", tmp);
        }
        catch
        {
            Libc.unlink(tmp);
            throw;
        }
    }
}
