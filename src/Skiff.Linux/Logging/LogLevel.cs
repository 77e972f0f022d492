namespace Skiff.Linux.Logging;

/// <summary>logrus levels, with logrus' numbers (runc sends these numbers to init in _LIBCONTAINER_LOGLEVEL).</summary>
public enum LogLevel
{
    Panic = 0, Fatal = 1, Error = 2, Warning = 3, Info = 4, Debug = 5, Trace = 6,
}
