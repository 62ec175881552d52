// The `mlroadmap` command line. Each command lives in Commands/<Name>Command.cs and is registered here.
// Exit codes: 0 ok, 1 an error while working, 2 a bad command line or configuration, 130 interrupted (ExitCodes).
using System.CommandLine;
using MLRoadmap.Cli.Commands;

var root = new RootCommand("MLRoadmap: deep learning for .NET on libtorch.")
{
    DoctorCommand.Create(),
    RecipesCommand.Create(),
    TrainCommand.Create(),
    EvalCommand.Create(),
    PredictCommand.Create(),
    RunsCommand.Create(),
    LrFindCommand.Create(),
};
root.Options.Add(Cli.Verbose);
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    parse.Invoke();   // prints the errors and the command's help
    return ExitCodes.Usage;
}
// The train command handles Ctrl-C itself (a checkpoint, then exit 130); the parser must not cancel the process first.
return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
