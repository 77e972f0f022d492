using Skiff.RuntimeSpec;

namespace Skiff.Cgroups;

public interface ICgroupManager
{
    void Apply(int pid);
    void Set(LinuxResources? resources);
    void Destroy();
    IReadOnlyDictionary<string, string> Paths { get; }  // v2: a single entry "" -> absolute dir
    IReadOnlyList<int> GetPids();
    IReadOnlyList<int> GetAllPids();
    void Freeze();
    void Thaw();
    bool IsFrozen();
    ulong OomKillCount();
    bool Exists();
}
