namespace Skiff.LibContainer.Wire;

/// <summary>
/// The order the parent accepts messages in (youki encodes it as a type; runc panics on surprises). An
/// unexpected message is an error naming the message and the state, never a crash.
/// Init: procHooks → procReady → EOF. Setns: procReady → EOF. procMountPlease may come before procHooks,
/// procSeccomp after procHooks (seccomp is loaded after procRun); both are answered in place.
/// </summary>
public sealed class SyncSequence
{
    public enum Stage { WaitHooks, WaitReady, WaitClose, Done }

    public SyncSequence(bool setns) => Current = setns ? Stage.WaitReady : Stage.WaitHooks;

    public Stage Current { get; private set; }

    /// <summary>Checks <paramref name="type"/> against the current stage and advances.</summary>
    public void Accept(SyncType type)
    {
        Stage next = (Current, type) switch
        {
            (Stage.WaitHooks, SyncType.procHooks) => Stage.WaitReady,
            (Stage.WaitHooks, SyncType.procMountPlease) => Current,
            (Stage.WaitReady or Stage.WaitClose, SyncType.procSeccomp) => Current,
            (Stage.WaitReady, SyncType.procReady) => Stage.WaitClose,
            _ => throw new ContainerException($"unexpected sync message {type.Name()} in state {Current}"),
        };
        Current = next;
    }

    /// <summary>The child closed its end: fine only after procReady.</summary>
    public void AcceptClose()
    {
        if (Current != Stage.WaitClose)
            throw new ContainerException($"init closed the sync socket before it was ready (state {Current})");
        Current = Stage.Done;
    }
}
