using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// Undo steps run in reverse order on Dispose unless <see cref="Commit"/> was called (runc's
/// `defer func() { if retErr != nil { ... } }()`). Each failure is logged as a warning; the rest still run.
/// </summary>
public sealed class Rollback : IDisposable
{
    private readonly List<(string What, Action Undo)> _steps = [];
    private bool _committed;

    public void Add(string what, Action undo) => _steps.Add((what, undo));

    public void Commit() => _committed = true;

    public void Dispose()
    {
        if (_committed) return;
        _committed = true;
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            try
            {
                _steps[i].Undo();
            }
            catch (Exception ex)
            {
                Log.Warn($"{_steps[i].What}: {ErrorText.Render(ex)}");
            }
        }
    }
}
