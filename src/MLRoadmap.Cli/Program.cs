// The `mlroadmap` command line. Each command lives in Commands/<Name>Command.cs and is registered here.
using System.CommandLine;
using MLRoadmap.Cli.Commands;

var root = new RootCommand("MLRoadmap: deep learning for .NET on libtorch.")
{
    DoctorCommand.Create(),
};
return root.Parse(args).Invoke();
