using System.Text.Json;
using Skiff.LibContainer.Configs;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// What a `create` killed half-way leaves to clean up (runc 1.4's "delete after a killed create", #4534): until
    /// state.json exists, root/id/creating.json holds the container's state as far as it is known (cgroup paths, no
    /// init pid). It is not a state: `state` and `list` still say the container does not exist (writing state.json
    /// early is what runc reverted in 1.4.1, #5151), but `delete` can kill what runs in the cgroup and remove it.
    /// </summary>
    private const string CreatingFile = "creating.json";

    private void SaveCreating()
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(_state, SkiffJsonContext.Default.ContainerState);
        AtomicFile.Write(Path.Combine(StateDir, CreatingFile), json, 0x180 /* 0600 */);
    }

    private void ForgetCreating()
    {
        try { File.Delete(Path.Combine(StateDir, CreatingFile)); }
        catch (IOException ex) { Log.Warn($"removing {CreatingFile}: {ex.Message}"); }
    }

    /// <summary>
    /// For `delete` of a container without state.json: when a killed `create` left root/id/creating.json, kills
    /// every process in the cgroup it recorded and removes the cgroup (no hooks run: the container never existed).
    /// Returns false when there is no such record. The caller removes the directory.
    /// </summary>
    public static bool CleanUpHalfCreated(string root, string id)
    {
        Ids.Validate(id);
        string file = Path.Combine(root, id, CreatingFile);
        ContainerState? st;
        try
        {
            st = JsonSerializer.Deserialize(File.ReadAllBytes(file), SkiffJsonContext.Default.ContainerState);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (JsonException ex)
        {
            Log.Warn($"reading {file}: {ex.Message}");
            return false;
        }
        if (st is null) return false;
        var c = new Container(root, st);
        var cg = c.Cgroup();
        if (cg.GetAllPids().Count > 0) c.SignalAll(9);
        cg.Destroy();
        return true;
    }
}
