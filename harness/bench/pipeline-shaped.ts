import type { StateMachineDefinition } from "../engine/types";

/**
 * The pipeline-shaped machine the benchmarks run: Lambda invoke → Wait 10 s → getQueryExecution poll loop →
 * Choice → copyObject | sns:publish → Succeed / Fail. JSONPath flavour.
 */
export const PIPELINE_SHAPED_JSONPATH: StateMachineDefinition = {
  Comment: "bench: pipeline-shaped machine (JSONPath)",
  StartAt: "RunAthenaQueryLambda",
  States: {
    RunAthenaQueryLambda: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "run-athena-query", "Payload.$": "$" },
      ResultSelector: { "QueryExecutionId.$": "$.Payload.QueryExecutionId" },
      ResultPath: "$.query",
      Retry: [
        {
          ErrorEquals: ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
          IntervalSeconds: 2,
          MaxAttempts: 3,
          BackoffRate: 2,
        },
      ],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailureSNS" }],
      Next: "WaitBeforePoll",
    },
    WaitBeforePoll: { Type: "Wait", Seconds: 10, Next: "GetAthenaQueryExecution" },
    GetAthenaQueryExecution: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution",
      Parameters: { "QueryExecutionId.$": "$.query.QueryExecutionId" },
      ResultSelector: {
        "State.$": "$.QueryExecution.Status.State",
        "OutputLocation.$": "$.QueryExecution.ResultConfiguration.OutputLocation",
      },
      ResultPath: "$.status",
      Retry: [{ ErrorEquals: ["Athena.TooManyRequestsException"], IntervalSeconds: 1, MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailureSNS" }],
      Next: "CheckAthenaStatus",
    },
    CheckAthenaStatus: {
      Type: "Choice",
      Choices: [
        { Variable: "$.status.State", StringEquals: "SUCCEEDED", Next: "CopyResultsToProduction" },
        {
          Or: [
            { Variable: "$.status.State", StringEquals: "FAILED" },
            { Variable: "$.status.State", StringEquals: "CANCELLED" },
          ],
          Next: "NotifyFailureSNS",
        },
      ],
      Default: "WaitBeforePoll",
    },
    CopyResultsToProduction: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      Parameters: {
        Bucket: "healthcare-data",
        "CopySource.$": "States.Format('healthcare-data/athena-results/{}.csv', $.query.QueryExecutionId)",
        "Key.$": "States.Format('production/state_counts/{}.csv', $$.Execution.Name)",
      },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailureSNS" }],
      Next: "Success",
    },
    NotifyFailureSNS: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: {
        TopicArn: "arn:aws:sns:us-east-1:000000000000:healthcare-pipelines-failures",
        "Message.$": "States.JsonToString($)",
      },
      Next: "PipelineFailed",
    },
    PipelineFailed: { Type: "Fail", Error: "PipelineFailed", Cause: "see SNS" },
    Success: { Type: "Succeed" },
  },
};

/** The same machine written in JSONata with variables. */
export const PIPELINE_SHAPED_JSONATA: StateMachineDefinition = {
  Comment: "bench: pipeline-shaped machine (JSONata)",
  QueryLanguage: "JSONata",
  StartAt: "RunAthenaQueryLambda",
  States: {
    RunAthenaQueryLambda: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Arguments: { FunctionName: "run-athena-query", Payload: "{% $states.input %}" },
      Assign: { queryId: "{% $states.result.Payload.QueryExecutionId %}" },
      Output: "{% $states.input %}",
      Retry: [
        {
          ErrorEquals: ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
          IntervalSeconds: 2,
          MaxAttempts: 3,
          BackoffRate: 2,
        },
      ],
      Catch: [
        { ErrorEquals: ["States.ALL"], Assign: { failure: "{% $states.errorOutput %}" }, Next: "NotifyFailureSNS" },
      ],
      Next: "WaitBeforePoll",
    },
    WaitBeforePoll: { Type: "Wait", Seconds: 10, Next: "GetAthenaQueryExecution" },
    GetAthenaQueryExecution: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:athena:getQueryExecution",
      Arguments: { QueryExecutionId: "{% $queryId %}" },
      Assign: { queryState: "{% $states.result.QueryExecution.Status.State %}" },
      Output: "{% $states.input %}",
      Retry: [{ ErrorEquals: ["Athena.TooManyRequestsException"], IntervalSeconds: 1, MaxAttempts: 3 }],
      Catch: [
        { ErrorEquals: ["States.ALL"], Assign: { failure: "{% $states.errorOutput %}" }, Next: "NotifyFailureSNS" },
      ],
      Next: "CheckAthenaStatus",
    },
    CheckAthenaStatus: {
      Type: "Choice",
      Choices: [
        { Condition: "{% $queryState = 'SUCCEEDED' %}", Next: "CopyResultsToProduction" },
        { Condition: "{% $queryState in ['FAILED', 'CANCELLED'] %}", Next: "NotifyFailureSNS" },
      ],
      Default: "WaitBeforePoll",
    },
    CopyResultsToProduction: {
      Type: "Task",
      Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
      Arguments: {
        Bucket: "healthcare-data",
        CopySource: "{% 'healthcare-data/athena-results/' & $queryId & '.csv' %}",
        Key: "{% 'production/state_counts/' & $states.context.Execution.Name & '.csv' %}",
      },
      Output: "{% $states.input %}",
      Catch: [
        { ErrorEquals: ["States.ALL"], Assign: { failure: "{% $states.errorOutput %}" }, Next: "NotifyFailureSNS" },
      ],
      Next: "Success",
    },
    NotifyFailureSNS: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Arguments: {
        TopicArn: "arn:aws:sns:us-east-1:000000000000:healthcare-pipelines-failures",
        Message: "{% $string($states.input) %}",
      },
      Next: "PipelineFailed",
    },
    PipelineFailed: { Type: "Fail", Error: "PipelineFailed", Cause: "see SNS" },
    Success: { Type: "Succeed" },
  },
};
