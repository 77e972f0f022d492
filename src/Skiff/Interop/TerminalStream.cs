using Microsoft.Win32.SafeHandles;

namespace Skiff.Interop;

/// <summary>
/// The pty master as a Stream: reads and writes go to the terminal; once every slave side is closed (the
/// container's processes exited) the kernel answers reads with EIO, which this stream reports as end-of-file.
/// </summary>
internal sealed class TerminalStream(SafeFileHandle master) : Stream
{
    private const int EIO = 5;
    private readonly FileStream _fs = new(master, FileAccess.ReadWrite, 0);

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _fs.Read(buffer);
        }
        catch (IOException ex) when (IsEio(ex))
        {
            return 0;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _fs.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (IsEio(ex))
        {
            return 0;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => _fs.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _fs.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _fs.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _fs.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _fs.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fs.Dispose();
        base.Dispose(disposing);
    }

    private static bool IsEio(IOException ex) => ex.HResult == EIO || ex.Message.Contains("Input/output error", StringComparison.Ordinal);
}
