import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  MissingRequiredParameter,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  TaskTimedOut,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  ValidationException,
} from "@aws-sdk/client-sfn";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { StartedEdge } from "../edge";
import { startEmulators } from "../emulators";
import { clientConfig } from "../test-clients";
import type { SfnEmulator } from "./sfn-emulator";

const ROLE = "arn:aws:iam::000000000000:role/StepFunctionsRole";
const SM_PREFIX = "arn:aws:states:us-east-1:000000000000:stateMachine:";

const PASS = JSON.stringify({
  StartAt: "State_1",
  States: { State_1: { Type: "Pass", Result: { Arg1: "argument1" }, End: true } },
});

const FAIL = JSON.stringify({
  StartAt: "Boom",
  States: { Boom: { Type: "Fail", Error: "Custom.Error", Cause: "it broke" } },
});

/** A Pass/Choice loop: 4 events per round, `rounds` rounds (+ start/end events). */
function loopDefinition(rounds: number): string {
  return JSON.stringify({
    StartAt: "Init",
    States: {
      Init: { Type: "Pass", Result: { n: 0 }, Next: "Inc" },
      Inc: { Type: "Pass", Parameters: { "n.$": "States.MathAdd($.n, 1)" }, Next: "Check" },
      Check: {
        Type: "Choice",
        Choices: [{ Variable: "$.n", NumericLessThan: rounds, Next: "Inc" }],
        Default: "Done",
      },
      Done: { Type: "Succeed" },
    },
  });
}

let edge: StartedEdge;
let sfn: SFNClient;
let sqs: SQSClient;
let callbackQueueUrl: string;
let callbackDefinition: string;

beforeAll(async () => {
  edge = await startEmulators();
  sfn = new SFNClient({ ...clientConfig(edge), disableHostPrefix: true });
  sqs = new SQSClient(clientConfig(edge));
  callbackQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "sfn-callbacks" }))).QueueUrl!;
  // A callback task: the execution stays RUNNING until someone answers the token it sent to the queue.
  callbackDefinition = JSON.stringify({
    StartAt: "WaitForCallback",
    States: {
      WaitForCallback: {
        Type: "Task",
        Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        Parameters: {
          QueueUrl: callbackQueueUrl,
          MessageBody: { "token.$": "$$.Task.Token", "input.$": "$" },
        },
        End: true,
      },
    },
  });
});

afterAll(async () => {
  sfn.destroy();
  sqs.destroy();
  await edge.close();
});

async function createMachine(name: string, definition = PASS, type: "STANDARD" | "EXPRESS" = "STANDARD") {
  const res = await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE, type }));
  return res.stateMachineArn!;
}

/** Waits (in-process, no polling) for the execution to end, then describes it over the wire. */
async function awaitExecutionTerminal(executionArn: string) {
  const execution = edge.service<SfnEmulator>("states").execution(executionArn);
  if (!execution) throw new Error(`awaitExecutionTerminal: no execution ${executionArn} in the emulator`);
  await execution.done;
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** Receives the next callback message from the queue (the body carries the task token). */
async function nextCallback(): Promise<{ token: string; input: unknown }> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: callbackQueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 20 }),
  );
  const message = Messages?.[0];
  if (!message) throw new Error("nextCallback: no callback message arrived within 20 s (virtual)");
  await sqs.send(new DeleteMessageCommand({ QueueUrl: callbackQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
  return JSON.parse(message.Body!) as { token: string; input: unknown };
}

async function history(executionArn: string, extra: Record<string, unknown> = {}): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, ...extra }));
    out.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

describe("state machines", () => {
  it("creates, describes, updates and deletes a state machine", async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: "crud-machine", definition: PASS, roleArn: ROLE }),
    );
    expect(created.stateMachineArn).toBe(`${SM_PREFIX}crud-machine`);
    expect(created.creationDate).toBeInstanceOf(Date);

    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(described).toMatchObject({
      stateMachineArn: created.stateMachineArn,
      name: "crud-machine",
      status: "ACTIVE",
      definition: PASS,
      roleArn: ROLE,
      type: "STANDARD",
      loggingConfiguration: { level: "OFF", includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    });
    expect(described.creationDate?.getTime()).toBe(created.creationDate?.getTime());

    const updated = await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn, definition: FAIL }),
    );
    expect(updated.updateDate).toBeInstanceOf(Date);
    const after = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(after.definition).toBe(FAIL);

    await expect(sfn.send(new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn }))).rejects.toThrow(
      MissingRequiredParameter,
    );
    await expect(
      sfn.send(new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn, definition: "{" })),
    ).rejects.toThrow(InvalidDefinition);

    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    ).rejects.toThrow(StateMachineDoesNotExist);
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    ).rejects.toThrow(`State Machine Does Not Exist: '${SM_PREFIX}crud-machine'`);
    // Deleting what is already gone succeeds, as in AWS.
    await expect(
      sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    ).resolves.toBeDefined();
  });

  it("is idempotent for the same definition and type, and refuses a different one under the same name", async () => {
    const first = await sfn.send(new CreateStateMachineCommand({ name: "idem", definition: PASS, roleArn: ROLE }));
    const again = await sfn.send(new CreateStateMachineCommand({ name: "idem", definition: PASS, roleArn: ROLE }));
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    expect(again.creationDate?.getTime()).toBe(first.creationDate?.getTime());
    // A different role is ignored (AWS: roleArn and tags are not part of the idempotency check).
    const otherRole = await sfn.send(
      new CreateStateMachineCommand({ name: "idem", definition: PASS, roleArn: `${ROLE}-2` }),
    );
    expect(otherRole.stateMachineArn).toBe(first.stateMachineArn);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: first.stateMachineArn }));
    expect(described.roleArn).toBe(ROLE);

    const conflict = sfn.send(new CreateStateMachineCommand({ name: "idem", definition: FAIL, roleArn: ROLE }));
    await expect(conflict).rejects.toThrow(StateMachineAlreadyExists);
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: "idem", definition: PASS, roleArn: ROLE, type: "EXPRESS" })),
    ).rejects.toThrow(`State Machine Already Exists: '${SM_PREFIX}idem'`);
  });

  it("refuses invalid definitions with AWS's message shape and the problems named", async () => {
    const notJson = sfn.send(new CreateStateMachineCommand({ name: "bad-json", definition: "{", roleArn: ROLE }));
    await expect(notJson).rejects.toThrow(InvalidDefinition);
    await expect(notJson).rejects.toThrow(/^Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: /);

    const missingTarget = JSON.stringify({ StartAt: "A", States: { A: { Type: "Pass", Next: "Nowhere" } } });
    const err = await sfn
      .send(new CreateStateMachineCommand({ name: "bad-next", definition: missingTarget, roleArn: ROLE }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDefinition);
    expect((err as Error).message).toMatch(
      /^Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: .*'Nowhere'.* at \/States\/A\/Next'$/,
    );

    const noStates = sfn.send(
      new CreateStateMachineCommand({ name: "no-states", definition: '{"StartAt":"A"}', roleArn: ROLE }),
    );
    await expect(noStates).rejects.toThrow(/^Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: .* at \//);
    // Nothing was created.
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${SM_PREFIX}bad-next` })),
    ).rejects.toThrow(StateMachineDoesNotExist);
  });

  it("validates definitions with ValidateStateMachineDefinition, and EXPRESS rules at creation", async () => {
    const ok = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: PASS }));
    expect(ok).toMatchObject({ result: "OK", diagnostics: [] });
    const bad = await sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" } } }),
      }),
    );
    expect(bad.result).toBe("FAIL");
    expect(bad.diagnostics).toEqual([
      expect.objectContaining({ severity: "ERROR", code: "MISSING_TRANSITION_TARGET", location: "/States/A/Next" }),
    ]);

    // AWS refuses callback and .sync tasks in EXPRESS machines when they are created.
    const refused = sfn.send(
      new CreateStateMachineCommand({
        name: "express-callback",
        definition: callbackDefinition,
        roleArn: ROLE,
        type: "EXPRESS",
      }),
    );
    await expect(refused).rejects.toThrow(InvalidDefinition);
    await expect(refused).rejects.toThrow(
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/WaitForCallback/Resource'",
    );
    const viaValidate = await sfn.send(
      new ValidateStateMachineDefinitionCommand({ definition: callbackDefinition, type: "EXPRESS" }),
    );
    expect(viaValidate.result).toBe("FAIL");
  });

  it("refuses invalid names, roles and types", async () => {
    for (const name of ["has space", "a~b", "semi;colon", "x".repeat(81), "brace{", 'quote"', "tab\t"]) {
      const attempt = sfn.send(new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }));
      await expect(attempt).rejects.toThrow(InvalidName);
      await expect(attempt).rejects.toThrow(`Invalid Name: '${name}'`);
    }
    // Names may use more than [A-Za-z0-9-_.]: AWS only forbids whitespace, brackets, wildcards and some punctuation.
    await expect(createMachine("plus+at@equals=")).resolves.toBe(`${SM_PREFIX}plus+at@equals=`);
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: "bad-role", definition: PASS, roleArn: "not-a-role" })),
    ).rejects.toThrow(InvalidArn);
    await expect(
      sfn.send(
        new CreateStateMachineCommand({ name: "bad-type", definition: PASS, roleArn: ROLE, type: "FAST" as never }),
      ),
    ).rejects.toThrow(ValidationException);
  });

  it("lists state machines in pages", async () => {
    const names = Array.from({ length: 7 }, (_, i) => `page-sm-${i}`);
    for (const n of names) await createMachine(n);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(new ListStateMachinesCommand({ maxResults: 3, nextToken }));
      expect(page.stateMachines!.length).toBeLessThanOrEqual(3);
      for (const m of page.stateMachines ?? []) {
        expect(m).toMatchObject({ stateMachineArn: `${SM_PREFIX}${m.name}`, type: "STANDARD" });
        expect(m.creationDate).toBeInstanceOf(Date);
        seen.push(m.name!);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expect.arrayContaining(names));
    expect(new Set(seen).size).toBe(seen.length);

    await expect(sfn.send(new ListStateMachinesCommand({ maxResults: 1001 }))).rejects.toThrow(
      "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    await expect(sfn.send(new ListStateMachinesCommand({ nextToken: "garbage" }))).rejects.toThrow(InvalidToken);
  });

  it("answers unknown and malformed ARNs with the modelled exceptions", async () => {
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${SM_PREFIX}never-created` })),
    ).rejects.toThrow(StateMachineDoesNotExist);
    const bad = sfn.send(new DescribeStateMachineCommand({ stateMachineArn: "not-an-arn" }));
    await expect(bad).rejects.toThrow(InvalidArn);
    await expect(bad).rejects.toThrow("Invalid Arn: 'Invalid ARN prefix: not-an-arn'");
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: "arn:aws:states:us-east-1:000000000000:execution:never-created:x",
        }),
      ),
    ).rejects.toThrow(ExecutionDoesNotExist);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: "nope" }))).rejects.toThrow(InvalidArn);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${SM_PREFIX}a-machine` }))).rejects.toThrow(
      "Invalid Arn: 'Resource type not valid in this context: statemachine'",
    );
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM_PREFIX}never-created` }))).rejects.toThrow(
      StateMachineDoesNotExist,
    );
  });
});

describe("executions", () => {
  let passArn: string;
  beforeAll(async () => {
    passArn = await createMachine("exec-pass");
  });

  it("starts an execution and describes it with AWS's fields", async () => {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: passArn, name: "first", input: '{"a":1}' }),
    );
    expect(started.executionArn).toBe("arn:aws:states:us-east-1:000000000000:execution:exec-pass:first");
    expect(started.startDate).toBeInstanceOf(Date);
    const d = await awaitExecutionTerminal(started.executionArn!);
    expect(d).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: passArn,
      name: "first",
      status: "SUCCEEDED",
      input: '{"a":1}',
      inputDetails: { included: true },
      output: '{"Arg1":"argument1"}',
      outputDetails: { included: true },
      redriveCount: 0,
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
    });
    expect(d.startDate?.getTime()).toBe(started.startDate?.getTime());
    expect(d.stopDate).toBeInstanceOf(Date);
    expect(d.error).toBeUndefined();

    const machine = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: d.executionArn }));
    expect(machine).toMatchObject({ stateMachineArn: passArn, name: "exec-pass", definition: PASS });

    // Without a name the execution gets a generated one; without input it is "{}".
    const anonymous = await sfn.send(new StartExecutionCommand({ stateMachineArn: passArn }));
    const da = await awaitExecutionTerminal(anonymous.executionArn!);
    expect(da.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(da.input).toBe("{}");
  });

  it("reports failures with error and cause", async () => {
    const failArn = await createMachine("exec-fail", FAIL);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: failArn }));
    const d = await awaitExecutionTerminal(executionArn!);
    expect(d).toMatchObject({
      status: "FAILED",
      error: "Custom.Error",
      cause: "it broke",
      redriveStatus: "REDRIVABLE",
    });
    expect(d.output).toBeUndefined();
  });

  it("refuses input that is not JSON and names that AWS refuses", async () => {
    const badInput = sfn.send(new StartExecutionCommand({ stateMachineArn: passArn, input: "not json" }));
    await expect(badInput).rejects.toThrow(InvalidExecutionInput);
    await expect(badInput).rejects.toThrow(/^Invalid State Machine Execution Input: '.+'$/);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: passArn, name: "white space" })),
    ).rejects.toThrow("Invalid Name: 'white space'");
  });

  it("is idempotent for the same name and input while running; otherwise ExecutionAlreadyExists", async () => {
    const arn = await createMachine("exec-idem", callbackDefinition);
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "job-1", input: '{"x":1}' }));
    const callback = await nextCallback();
    expect(callback.input).toEqual({ x: 1 });
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "job-1", input: '{"x":1}' }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());

    const differentInput = sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: "job-1", input: '{"x":2}' }),
    );
    await expect(differentInput).rejects.toThrow(ExecutionAlreadyExists);
    await expect(differentInput).rejects.toThrow(`Execution Already Exists: '${first.executionArn}'`);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: callback.token, output: '{"done":true}' }));
    const d = await awaitExecutionTerminal(first.executionArn!);
    expect(d.status).toBe("SUCCEEDED");
    expect(d.output).toBe('{"done":true}');
    // Closed: the same name and input is refused too.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "job-1", input: '{"x":1}' })),
    ).rejects.toThrow(ExecutionAlreadyExists);
  });

  it("stops a running execution", async () => {
    const arn = await createMachine("exec-stop", callbackDefinition);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "to-stop" }));
    const callback = await nextCallback();
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({
      status: "RUNNING",
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is RUNNING and cannot be redriven",
    });
    expect(running.stopDate).toBeUndefined();

    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn, error: "Operator.Cancelled", cause: "not needed" }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: "ABORTED", error: "Operator.Cancelled", cause: "not needed" });
    const events = await history(executionArn!);
    expect(events.at(-1)).toMatchObject({
      type: "ExecutionAborted",
      executionAbortedEventDetails: { error: "Operator.Cancelled", cause: "not needed" },
    });
    // The token of a stopped execution is gone.
    const late = sfn.send(new SendTaskSuccessCommand({ taskToken: callback.token, output: "{}" }));
    await expect(late).rejects.toThrow(TaskTimedOut);
    await expect(sfn.send(new StopExecutionCommand({ executionArn: `${executionArn}-missing` }))).rejects.toThrow(
      ExecutionDoesNotExist,
    );
  });

  it("lists executions newest first, filtered by status, in pages", async () => {
    const arn = await createMachine("exec-list", callbackDefinition);
    for (let i = 0; i < 5; i++) {
      await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: `list-${i}`, input: `{"i":${i}}` }));
      await nextCallback();
    }
    // Finish two of them.
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: "RUNNING" }));
    expect(running.executions).toHaveLength(5);
    for (const name of ["list-0", "list-1"]) {
      await sfn.send(
        new StopExecutionCommand({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:exec-list:${name}` }),
      );
    }
    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: "ABORTED" }));
    expect(aborted.executions?.map((e) => e.name).sort()).toEqual(["list-0", "list-1"]);
    expect(aborted.executions?.[0]?.stopDate).toBeInstanceOf(Date);

    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken }));
      for (const e of page.executions ?? []) {
        expect(e).toMatchObject({ stateMachineArn: arn, executionArn: expect.stringContaining(":execution:") });
        names.push(e.name!);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(names).toEqual(["list-4", "list-3", "list-2", "list-1", "list-0"]);

    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: "succeeded" as never })),
    ).rejects.toThrow(
      "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
    );
    await expect(sfn.send(new ListExecutionsCommand({}))).rejects.toThrow(ValidationException);
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: `${SM_PREFIX}never-created` }))).rejects.toThrow(
      StateMachineDoesNotExist,
    );
  });

  it("pages the history across more than 100 events, in both orders, with or without data", async () => {
    const arn = await createMachine("exec-history", loopDefinition(40));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"k":"v"}' }));
    await awaitExecutionTerminal(executionArn!);

    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(first.events).toHaveLength(100);
    expect(first.nextToken).toBeDefined();
    const all = await history(executionArn!);
    expect(all.length).toBeGreaterThan(150);
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]).toMatchObject({
      type: "ExecutionStarted",
      previousEventId: 0,
      executionStartedEventDetails: { input: '{"k":"v"}', inputDetails: { truncated: false }, roleArn: ROLE },
    });
    expect(all[0]!.timestamp).toBeInstanceOf(Date);
    expect(all.at(-1)).toMatchObject({ type: "ExecutionSucceeded" });

    const reversed = await history(executionArn!, { reverseOrder: true, maxResults: 30 });
    expect(reversed.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());

    const bare = await history(executionArn!, { includeExecutionData: false });
    expect(bare).toHaveLength(all.length);
    expect(bare[0]!.executionStartedEventDetails).toEqual({ inputDetails: { truncated: false }, roleArn: ROLE });
    const exited = bare.find((e) => e.type === "PassStateExited")!;
    expect(exited.stateExitedEventDetails).toEqual({ name: "Init", outputDetails: { truncated: false } });
    expect(bare.at(-1)!.executionSucceededEventDetails).toEqual({ outputDetails: { truncated: false } });

    await expect(
      sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: "bm90LWEtdG9rZW4=" })),
    ).rejects.toThrow(InvalidToken);
  });
});

describe("callback tasks", () => {
  it("completes .waitForTaskToken tasks with SendTaskSuccess and SendTaskFailure", async () => {
    const arn = await createMachine("callbacks", callbackDefinition);
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"order":1}' }));
    const first = await nextCallback();
    expect(first.input).toEqual({ order: 1 });
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: first.token }));
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: first.token, output: "not json" })),
    ).rejects.toMatchObject({ name: "InvalidOutput" });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: first.token, output: '{"paid":true}' }));
    const okDone = await awaitExecutionTerminal(ok.executionArn!);
    expect(okDone).toMatchObject({ status: "SUCCEEDED", output: '{"paid":true}' });
    const okEvents = await history(ok.executionArn!);
    // As AWS records it: TaskSubmitted (the sendMessage response) between TaskStarted and TaskSucceeded.
    expect(okEvents.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(okEvents.find((e) => e.type === "TaskSubmitted")?.taskSubmittedEventDetails).toMatchObject({
      resourceType: "sqs",
      resource: "sendMessage.waitForTaskToken",
    });
    expect(
      JSON.parse(okEvents.find((e) => e.type === "TaskSubmitted")!.taskSubmittedEventDetails!.output!),
    ).toHaveProperty("MessageId");
    expect(okEvents.find((e) => e.type === "TaskSucceeded")?.taskSucceededEventDetails).toMatchObject({
      resourceType: "sqs",
      resource: "sendMessage.waitForTaskToken",
      output: '{"paid":true}',
    });

    const bad = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"order":2}' }));
    const second = await nextCallback();
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: second.token, error: "Payment.Declined", cause: "card expired" }),
    );
    const badDone = await awaitExecutionTerminal(bad.executionArn!);
    expect(badDone).toMatchObject({ status: "FAILED", error: "Payment.Declined", cause: "card expired" });
    const failed = (await history(bad.executionArn!)).find((e) => e.type === "TaskFailed");
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: "sqs",
      resource: "sendMessage.waitForTaskToken",
      error: "Payment.Declined",
      cause: "card expired",
    });

    // A token already answered, and a token that was never issued.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: first.token, output: "{}" }))).rejects.toThrow(
      TaskTimedOut,
    );
    const invalid = sfn.send(new SendTaskSuccessCommand({ taskToken: "made-up", output: "{}" }));
    await expect(invalid).rejects.toThrow(InvalidToken);
    await expect(invalid).rejects.toThrow("Invalid Token: 'Invalid token'");
  });
});

describe("express state machines", () => {
  it("runs StartSyncExecution and refuses it on STANDARD", async () => {
    const express = await createMachine("express-sync", PASS, "EXPRESS");
    const res = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: express, name: "sync-1", input: '{"in":true}' }),
    );
    expect(res).toMatchObject({
      stateMachineArn: express,
      name: "sync-1",
      status: "SUCCEEDED",
      input: '{"in":true}',
      inputDetails: { included: true },
      output: '{"Arg1":"argument1"}',
      outputDetails: { included: true },
      billingDetails: { billedMemoryUsedInMB: expect.any(Number), billedDurationInMilliseconds: expect.any(Number) },
    });
    expect(res.executionArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:express:express-sync:sync-1:[0-9a-f-]{36}$/,
    );
    expect(res.startDate).toBeInstanceOf(Date);
    expect(res.stopDate).toBeInstanceOf(Date);
    expect(res).not.toHaveProperty("redriveStatus");

    const failing = await createMachine("express-sync-fail", FAIL, "EXPRESS");
    const failed = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: failing }));
    expect(failed).toMatchObject({ status: "FAILED", error: "Custom.Error", cause: "it broke" });
    expect(failed.output).toBeUndefined();

    const standard = await createMachine("standard-for-sync");
    const refused = sfn.send(new StartSyncExecutionCommand({ stateMachineArn: standard }));
    await expect(refused).rejects.toThrow(StateMachineTypeNotSupported);
    await expect(refused).rejects.toThrow("This operation is not supported by this type of state machine");
  });

  it("refuses the STANDARD-only APIs for express executions, as AWS does", async () => {
    const express = await createMachine("express-async", PASS, "EXPRESS");
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: express }));
    expect(executionArn).toContain(":express:express-async:");
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: express }))).rejects.toThrow(
      StateMachineTypeNotSupported,
    );
    for (const command of [
      new DescribeExecutionCommand({ executionArn }),
      new StopExecutionCommand({ executionArn }),
      new GetExecutionHistoryCommand({ executionArn }),
    ]) {
      await expect(sfn.send(command as never)).rejects.toThrow(
        "Invalid Arn: 'Resource type not valid in this context: express'",
      );
    }
  });
});

describe("mock config (stateMachineArn#TestCase)", () => {
  const definition = JSON.stringify({
    StartAt: "CallLambda",
    States: {
      CallLambda: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "not-deployed", "Payload.$": "$" },
        Retry: [{ ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 5, MaxAttempts: 2 }],
        OutputPath: "$.Payload",
        End: true,
      },
    },
  });
  const mockConfig = {
    StateMachines: {
      "mocked-machine": { TestCases: { HappyPath: { CallLambda: "Ok" }, Throttled: { CallLambda: "ThrottleThenOk" } } },
    },
    MockedResponses: {
      Ok: { "0": { Return: { StatusCode: 200, Payload: { mocked: true } } } },
      ThrottleThenOk: {
        "0": { Throw: { Error: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded." } },
        "1": { Return: { StatusCode: 200, Payload: { mocked: "after retry" } } },
      },
    },
  };

  it("loads a mock config over the control plane and applies a test case per execution", async () => {
    const arn = await createMachine("mocked-machine", definition);
    const load = await fetch(`${edge.endpoint}/_testbed/states/mock-config`, {
      method: "POST",
      body: JSON.stringify(mockConfig),
    });
    expect(load.status).toBe(200);

    const happy = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${arn}#HappyPath` }));
    expect(happy.executionArn).toBe(
      "arn:aws:states:us-east-1:000000000000:execution:mocked-machine:" + happy.executionArn!.split(":").at(-1),
    );
    expect((await awaitExecutionTerminal(happy.executionArn!)).output).toBe('{"mocked":true}');

    const throttled = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${arn}#Throttled` }));
    expect((await awaitExecutionTerminal(throttled.executionArn!)).output).toBe('{"mocked":"after retry"}');
    const types = (await history(throttled.executionArn!)).map((e) => e.type);
    expect(types.filter((t) => t === "TaskFailed")).toHaveLength(1);

    // Without a test case the real integration runs (and the function does not exist).
    const real = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    expect(await awaitExecutionTerminal(real.executionArn!)).toMatchObject({
      status: "FAILED",
      error: "Lambda.ResourceNotFoundException",
    });

    const unknown = sfn.send(new StartExecutionCommand({ stateMachineArn: `${arn}#NoSuchCase` }));
    await expect(unknown).rejects.toThrow(InvalidName);
    await expect(unknown).rejects.toThrow(
      "Invalid mock test case name 'NoSuchCase' for state machine 'mocked-machine'",
    );

    const invalid = await fetch(`${edge.endpoint}/_testbed/states/mock-config`, { method: "POST", body: "{}" });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toMatch(/StateMachines/);
    // The refused config did not replace the loaded one.
    const loaded = await fetch(`${edge.endpoint}/_testbed/states/mock-config`);
    expect(await loaded.json()).toEqual({ loaded: true, testCases: { "mocked-machine": ["HappyPath", "Throttled"] } });

    await fetch(`${edge.endpoint}/_testbed/states/mock-config`, { method: "DELETE" });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${arn}#HappyPath` }))).rejects.toThrow(
      /No mock configuration is loaded/,
    );
  });

  it("takes the mock config as an emulator option", async () => {
    await using other = await startEmulators({ stepFunctions: { mockConfig } });
    const client = new SFNClient({ ...clientConfig(other), disableHostPrefix: true });
    try {
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({ name: "mocked-machine", definition, roleArn: ROLE }),
      );
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}#HappyPath` }),
      );
      await other.service<SfnEmulator>("states").execution(executionArn!)!.done;
      const d = await client.send(new DescribeExecutionCommand({ executionArn }));
      expect(d.output).toBe('{"mocked":true}');
    } finally {
      client.destroy();
    }
  });
});
