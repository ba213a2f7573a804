import { findPersonalData, personalDataInText } from "./pii-detector";
import { RedactionSpecError, Redactor } from "./redaction";

describe("Redactor", () => {
  it("replaces the values at the JSONPaths with tokens, the same value always with the same token", () => {
    const r = new Redactor(["$.patient.ssn", "$..email"]);
    const input = { patient: { ssn: "123-45-6789", email: "a.b@example.org" }, contact: { email: "a.b@example.org" } };
    expect(r.redactDocument(input)).toEqual({
      patient: { ssn: "<redacted:1>", email: "<redacted:2>" },
      contact: { email: "<redacted:2>" },
    });
    // The original is untouched; a later document reuses the tokens, wherever the value appears.
    expect(input.patient.ssn).toBe("123-45-6789");
    expect(r.redactDocument({ Payload: { note: "SSN 123-45-6789 on file", owner: "a.b@example.org" } })).toEqual({
      Payload: { note: "SSN <redacted:1> on file", owner: "<redacted:2>" },
    });
    expect(r.count).toBe(2);
    expect(r.matches).toEqual(
      new Map([
        ["$.patient.ssn", 1],
        ["$..email", 2],
      ]),
    );
  });

  it("cleans texts that embed the values: plain, as JSON string content, and JSON inside JSON", () => {
    const r = new Redactor(["$.name"]);
    r.collect({ name: 'Ann "Nan" O\'Neil' });
    expect(r.redactText('no consent for Ann "Nan" O\'Neil')).toBe("no consent for <redacted:1>");
    expect(r.redactText(JSON.stringify({ who: 'Ann "Nan" O\'Neil' }))).toBe('{"who":"<redacted:1>"}');
    expect(r.redactText(JSON.stringify({ cause: JSON.stringify({ who: 'Ann "Nan" O\'Neil' }) }))).toBe(
      '{"cause":"{\\"who\\":\\"<redacted:1>\\"}"}',
    );
  });

  it("non-string values become string tokens, and their JSON form in texts becomes the quoted token", () => {
    const r = new Redactor(["$.patient.mrn"]);
    expect(r.redactDocument({ patient: { mrn: 7781234, age: 7781234 } })).toEqual({
      patient: { mrn: "<redacted:1>", age: 7781234 },
    });
    expect(r.redactText('{"mrn":7781234,"x":[7781234],"n":17781234}')).toBe(
      '{"mrn":"<redacted:1>","x":["<redacted:1>"],"n":17781234}',
    );
  });

  it("short values are replaced only as whole values, never inside other text", () => {
    const r = new Redactor(["$.state"]);
    expect(r.redactDocument({ state: "CA", other: "CA", query: "SELECT … WHERE state = 'CA'" })).toEqual({
      state: "<redacted:1>",
      other: "<redacted:1>",
      query: "SELECT … WHERE state = 'CA'",
    });
  });

  it("--redact-pattern replaces every match in every string", () => {
    const r = new Redactor([], ["\\b\\d{3}-\\d{2}-\\d{4}\\b"]);
    expect(r.redactDocument({ a: "ssn 123-45-6789", b: ["123-45-6789", "987-65-4321"] })).toEqual({
      a: "ssn <redacted:1>",
      b: ["<redacted:1>", "<redacted:2>"],
    });
    expect(r.redactText("cause: 987-65-4321")).toBe("cause: <redacted:2>");
  });

  it("reports paths that matched nothing, and refuses what is not a JSONPath or a regular expression", () => {
    const r = new Redactor(["$.patient.ssn", "$.nope"]);
    r.redactDocument({ patient: { ssn: "1" } });
    expect(r.unmatchedPaths()).toEqual(["$.nope"]);
    expect(() => new Redactor(["patient.ssn"])).toThrow(
      new RedactionSpecError("--redact 'patient.ssn' is not a JSONPath: it must start with `$` (e.g. '$.patient.ssn')"),
    );
    expect(() => new Redactor([], ["(unclosed"])).toThrow(
      /^--redact-pattern '\(unclosed' is not a valid regular expression/,
    );
  });

  it("does nothing without paths or patterns", () => {
    const r = new Redactor();
    const doc = { a: 1 };
    expect(r.empty).toBe(true);
    expect(r.redactDocument(doc)).toBe(doc);
    expect(r.redactText("x")).toBe("x");
  });
});

describe("findPersonalData", () => {
  it("finds e-mail, phone and SSN values anywhere, and names, dates of birth, MRNs and addresses by key", () => {
    const doc = {
      requestedBy: "ops@example.org",
      patient: {
        name: "Jane Roe",
        first_name: "Jane",
        birthDate: "1980-02-29",
        MRN: "A-7781",
        homeAddress: "1 Main St",
        mobile: 4155550134,
        notes: ["call (415) 555-0134", "ssn 123-45-6789"],
      },
      visit: { dateOfBirth: null, date: "2024-11-26" },
      cause: '{"errorMessage":"no consent for jane@example.org"}',
    };
    expect(findPersonalData(doc).map((f) => `${f.path}: ${f.kind}${f.redactable ? "" : " (in text)"}`)).toEqual([
      "$.requestedBy: email address",
      "$.patient.name: person's name",
      "$.patient.first_name: person's name",
      "$.patient.birthDate: date of birth",
      "$.patient.MRN: medical record number",
      "$.patient.homeAddress: postal address",
      "$.patient.mobile: phone number",
      "$.patient.notes[0]: phone number",
      "$.patient.notes[1]: social security number",
      "$.cause (in JSON text) $.errorMessage: email address (in text)",
    ]);
  });

  it("leaves the pipeline's own data alone: ids, ARNs, keys, ETags, timestamps, dates not of birth, numbers", () => {
    const doc = {
      QueryExecutionId: "4c1d9a8e-6f3b-4e2a-9d7c-2b5e8f1a3c60",
      OutputLocation: "s3://healthcare-athena-results/state-counts/4c1d9a8e.csv",
      FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:healthcare-run-athena-query",
      source: { key: "raw/2024/11/26/patients.csv", eTag: "5d41402abc4b2a76b9719d911017c592", size: 48213 },
      SubmissionDateTime: "2024-11-26T09:14:13.217Z",
      Date: "Tue, 26 Nov 2024 09:14:03 GMT",
      name: "healthcare-pipeline-orchestrator",
      epochMillis: 1732612443217,
      requestId: "8CD4D3A1CA304DBD",
      trace: "Root=1-6745915b-70380b4cafdc40f2b4983028;Sampled=0",
      redacted: { ssn: "<redacted:3>" },
    };
    expect(findPersonalData(doc)).toEqual([]);
  });

  it("personalDataInText", () => {
    expect(personalDataInText("Invalid address for bob@example.com (+44 20 7946 0958)")).toEqual([
      "email address",
      "phone number",
    ]);
    expect(
      personalDataInText(
        "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: 8CD4D3A1CA304DBD)",
      ),
    ).toEqual([]);
  });
});
