import { parseArgs, type ParseArgsConfig } from "node:util";
import { conformanceCommand } from "./conformance-command";
import { diffCommand } from "./diff-command";
import { execCommand } from "./exec-command";
import { importCommand } from "./import-command";
import { lintPipeline } from "../deploy/pipeline-lint";
import { loadSelectedScenarios, runCommand } from "./run-command";
import { mockConfigCommand } from "../scenario/mock-config-compiler";
import { EXIT, UsageError, type CliIO } from "./io";

const SUBCOMMANDS = new Set(["exec", "lint", "conformance", "mock-config", "import", "diff"]);

export const HELP = `pipeline-testbed — test the Step Functions pipeline offline

Usage:
  npm run scenario [-- <selector>…] [--target embedded|sfn-local|localstack] [--reporter console|junit|json|html]…
                   [--output <path>]… [--bail] [--parallel <n>]
      Run scenarios (default: every scenarios/*.scenario.yaml on the embedded target). A selector is a scenario
      name, a file, a directory or a glob ('scenarios/0*.scenario.yaml'); files outside scenarios/ work too.
      Several --reporter flags may be given; each --output goes, in order, to the next junit/json/html reporter.
      A console report is always shown unless a json report writes to stdout. --parallel defaults to 4 on the
      embedded target (each scenario gets its own emulator) and 1 on Docker targets.

  npm run scenario -- exec <definition.json> [--input <json|@file>] [--name <state machine name>]
                          [--mock-config <file> --test-case <name>] [--seed <n>] [--json]
      Run any state machine definition on the embedded engine (virtual time) and print the result.
      Tasks that are not mocked and have no integration fail with a States.Runtime error naming the state.
  npm run scenario -- mock-config [--target localstack|sfn-local] [<selector>…] [--output <file>] [--name <sm>]
      Compile scenarios into a Step Functions Local / LocalStack MockConfigFile (one test case per scenario,
      start executions at <stateMachineArn>#<scenario name>). Notes on what a target cannot reproduce go to stderr.
  npm run scenario -- lint [--definition <asl file>] [--policy <policy file>]
      Validate the pipeline definition (substitutions resolved) and check the IAM policy against its Task states:
      every needed permission granted, nothing else. Exit 1 on any finding.
  npm run scenario -- conformance [<corpus dir>] [--json] [--verbose]
      Run a conformance corpus (default ../shared/conformance/visible); closing line "N passed, M failed".
  npm run scenario -- import <history.json> [--definition <asl file>] [--name <scenario>] [--output <file>|-]
                            [--redact <jsonpath>]… [--redact-pattern <regex>]… [--no-pii-check]
                            [--execution-arn <arn>] [--force] [--verify]
      Turn a production execution's history (aws stepfunctions get-execution-history … > history.json, any page
      layout or order) into a replay scenario (default scenarios/replays/<name>.scenario.yaml): the input, every
      Task's recorded responses as mocks, the Athena lifecycle, and the path, status, error and retries as
      expectations. Values that look like personal data are reported by path; --redact replaces them.
  npm run scenario -- diff <scenario> [--definition <asl file>] [--html <file>]
      Replay one scenario on the embedded target (against another definition with --definition) and show the
      expected and actual paths side by side from the first divergent step. Exit 0 identical, 1 divergent.
  npm run scenario -- --help

Exit codes: 0 ok, 1 a scenario/expectation failed, 2 bad input or usage.
`;

/** The CLI as a testable function: parses `argv` (without node and script), runs the command, returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === "--help" || command === "-h" || command === "help") {
      io.stdout(HELP);
      return EXIT.ok;
    }
    if (command === undefined || !SUBCOMMANDS.has(command)) {
      // Everything else is a scenario run: `npm run scenario [selectors…] [--target …] [--reporter …]`.
      const { values, positionals } = parse(argv, {
        target: { type: "string" },
        reporter: { type: "string", multiple: true },
        output: { type: "string", multiple: true },
        bail: { type: "boolean" },
        parallel: { type: "string" },
      });
      return await runCommand(
        {
          selectors: positionals,
          ...(values.target !== undefined ? { target: values.target as string } : {}),
          reporters: (values.reporter as string[] | undefined) ?? [],
          outputs: (values.output as string[] | undefined) ?? [],
          bail: Boolean(values.bail),
          ...(values.parallel !== undefined ? { parallel: values.parallel as string } : {}),
        },
        io,
      );
    }
    switch (command) {
      case "exec": {
        const { values, positionals } = parse(rest, {
          input: { type: "string" },
          name: { type: "string" },
          "mock-config": { type: "string" },
          "test-case": { type: "string" },
          seed: { type: "string" },
          json: { type: "boolean" },
        });
        if (positionals.length !== 1) throw new UsageError("exec takes exactly one definition file");
        return await execCommand(
          {
            definition: positionals[0]!,
            ...(values.input !== undefined ? { input: values.input as string } : {}),
            ...(values.name !== undefined ? { name: values.name as string } : {}),
            ...(values["mock-config"] !== undefined ? { mockConfig: values["mock-config"] as string } : {}),
            ...(values["test-case"] !== undefined ? { testCase: values["test-case"] as string } : {}),
            ...(values.seed !== undefined ? { seed: values.seed as string } : {}),
            json: Boolean(values.json),
          },
          io,
        );
      }
      case "conformance": {
        const { values, positionals } = parse(rest, { json: { type: "boolean" }, verbose: { type: "boolean" } });
        if (positionals.length > 1) throw new UsageError("conformance takes at most one directory");
        return await conformanceCommand(
          {
            ...(positionals[0] !== undefined ? { dir: positionals[0] } : {}),
            json: Boolean(values.json),
            verbose: Boolean(values.verbose),
          },
          io,
        );
      }
      case "mock-config": {
        const { values, positionals } = parse(rest, {
          target: { type: "string" },
          output: { type: "string" },
          name: { type: "string" },
          "mock-sns": { type: "boolean" },
        });
        return await mockConfigCommand(
          {
            scenarios: positionals,
            ...(values.target !== undefined ? { target: values.target as string } : {}),
            ...(values.output !== undefined ? { output: values.output as string } : {}),
            ...(values.name !== undefined ? { stateMachineName: values.name as string } : {}),
            mockSns: Boolean(values["mock-sns"]),
          },
          io,
          { loadScenarios: (paths, cwd) => loadSelectedScenarios(paths, cwd) },
        );
      }
      case "lint": {
        const { values } = parse(rest, { definition: { type: "string" }, policy: { type: "string" } });
        let report;
        try {
          report = lintPipeline({
            ...(values.definition !== undefined ? { definitionFile: values.definition as string } : {}),
            ...(values.policy !== undefined ? { policyFile: values.policy as string } : {}),
          });
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const problems = [...report.definitionProblems, ...report.policyFindings];
        for (const p of problems) io.stdout(`✗ ${p}\n`);
        io.stdout(
          problems.length === 0
            ? "definition valid; policy grants exactly what the Task states need\n"
            : `${problems.length} problem(s)\n`,
        );
        return problems.length === 0 ? EXIT.ok : EXIT.failed;
      }
      case "import": {
        const { values, positionals } = parse(rest, {
          definition: { type: "string" },
          name: { type: "string" },
          output: { type: "string" },
          "execution-arn": { type: "string" },
          redact: { type: "string", multiple: true },
          "redact-pattern": { type: "string", multiple: true },
          "no-pii-check": { type: "boolean" },
          force: { type: "boolean" },
          verify: { type: "boolean" },
        });
        if (positionals.length !== 1) throw new UsageError("import takes exactly one history file");
        return await importCommand(
          {
            history: positionals[0]!,
            ...(values.definition !== undefined ? { definition: values.definition as string } : {}),
            ...(values.name !== undefined ? { name: values.name as string } : {}),
            ...(values.output !== undefined ? { output: values.output as string } : {}),
            ...(values["execution-arn"] !== undefined ? { executionArn: values["execution-arn"] as string } : {}),
            redact: (values.redact as string[] | undefined) ?? [],
            redactPatterns: (values["redact-pattern"] as string[] | undefined) ?? [],
            piiCheck: !values["no-pii-check"],
            force: Boolean(values.force),
            verify: Boolean(values.verify),
          },
          io,
        );
      }
      case "diff": {
        const { values, positionals } = parse(rest, { definition: { type: "string" }, html: { type: "string" } });
        if (positionals.length !== 1) throw new UsageError("diff takes exactly one scenario (a name or a file)");
        return await diffCommand(
          {
            scenario: positionals[0]!,
            ...(values.definition !== undefined ? { definition: values.definition as string } : {}),
            ...(values.html !== undefined ? { html: values.html as string } : {}),
          },
          io,
        );
      }
      default:
        throw new UsageError(`unknown command '${command}' (see --help)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
