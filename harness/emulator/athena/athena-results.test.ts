import {
  columnInfo,
  encodeResultMetadata,
  engineQueryId,
  formatAthenaCsv,
  formatAthenaText,
  parseAthenaCsv,
} from "./athena-results";
import { classifyStatement } from "./statement-type";

describe("Athena result files", () => {
  it("formats CSV as Athena does: all values quoted, quotes doubled, NULL unquoted, \\n after every line", () => {
    expect(formatAthenaCsv(["i", "s", "q", "n", "empty"], [["1", "it's", 'a"b', null, ""]])).toBe(
      '"i","s","q","n","empty"\n"1","it\'s","a""b",,""\n',
    );
    expect(formatAthenaCsv(["only_header"], [])).toBe('"only_header"\n');
  });

  it("parses its own output back, keeping NULL apart from the empty string", () => {
    const rows = [
      ["x,y", 'say "cheese"', "multi\nline", null, ""],
      ["", null, "é", "1", "2"],
    ];
    const header = ["a", "b", "c", "d", "e"];
    expect(parseAthenaCsv(formatAthenaCsv(header, rows))).toEqual({ header, rows });
    expect(parseAthenaCsv("a,b\r\n1,\r\n")).toEqual({ header: ["a", "b"], rows: [["1", null]] });
    expect(() => parseAthenaCsv("")).toThrow("the CSV is empty; the first line must be the header");
    expect(() => parseAthenaCsv('a\n"x"y\n')).toThrow('line 2: unexpected "y" after a closing quote');
    expect(() => parseAthenaCsv("a,\n")).toThrow("line 1: column 2 of the header has no name");
  });

  it("formats DDL/utility text results: tab-separated, no header, no final newline", () => {
    expect(formatAthenaText([["db1"], ["db2"]])).toBe("db1\ndb2");
    expect(formatAthenaText([["a", null, "c"]])).toBe("a\t\tc");
  });

  it("reports ColumnInfo precision, scale and case sensitivity per type, as Athena does", () => {
    const pick = (type: string) => {
      const c = columnInfo("c", type);
      return [c.Type, c.Precision, c.Scale, c.CaseSensitive];
    };
    expect(pick("integer")).toEqual(["integer", 10, 0, false]);
    expect(pick("bigint")).toEqual(["bigint", 19, 0, false]);
    expect(pick("real")).toEqual(["float", 17, 0, false]);
    expect(pick("decimal(10,2)")).toEqual(["decimal", 10, 2, false]);
    expect(pick("varchar(3)")).toEqual(["varchar", 3, 0, true]);
    expect(pick("varchar")).toEqual(["varchar", 2147483647, 0, true]);
    expect(pick("timestamp(6)")).toEqual(["timestamp", 3, 0, false]);
    expect(pick("timestamp(3) with time zone")).toEqual(["timestamp with time zone", 3, 0, false]);
    expect(pick("date")).toEqual(["date", 0, 0, false]);
    expect(pick("array(integer)")).toEqual(["array", 0, 0, false]);
  });

  it("encodes .metadata byte for byte like a file real Athena wrote (SELECT with one integer column)", () => {
    // Published measurement of real Athena (2026-09-17): `<id>.csv.metadata` of a zero-row SELECT of `i integer`.
    const measured =
      "0a1b32303236303931375f3038353531365f30303334395f32747a766b221d0a" +
      "04686976652201692a01693207696e7465676572380a400048035000";
    const bytes = encodeResultMetadata("20260917_085516_00349_2tzvk", [columnInfo("i", "integer")]);
    expect(bytes.toString("hex")).toBe(measured);
  });

  it("derives an engine query id in Athena's form", () => {
    expect(engineQueryId(Date.UTC(2024, 0, 15, 12, 30, 5), 42, "0a1b2c3d-0000-4000-8000-000000000000")).toMatch(
      /^20240115_123005_00042_[a-z0-9]{5}$/,
    );
  });
});

describe("classifyStatement", () => {
  it.each([
    ["SELECT 1", "DML", "SELECT", "csv"],
    ["  -- comment\n/* block */ with x as (select 1) select * from x", "DML", "SELECT", "csv"],
    ["INSERT INTO t SELECT 1", "DML", "INSERT", "csv"],
    ["CREATE TABLE t AS SELECT 1", "DDL", "CREATE_TABLE_AS_SELECT", "txt"],
    ["CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'", "DDL", "CREATE_TABLE", "txt"],
    ["DROP TABLE t", "DDL", "DROP_TABLE", "txt"],
    ["SHOW TABLES", "UTILITY", "SHOW_TABLES", "txt"],
    ["DESCRIBE t", "UTILITY", "DESCRIBE_TABLE", "txt"],
  ])("%s → %s/%s, <id>.%s", (query, statementType, substatementType, resultFile) => {
    expect(classifyStatement(query)).toEqual({ statementType, substatementType, resultFile });
  });

  it("leaves SubstatementType out for statements it does not know", () => {
    expect(classifyStatement("MSCK REPAIR TABLE t")).toEqual({ statementType: "DDL", resultFile: "txt" });
    expect(classifyStatement("UNLOAD (SELECT 1) TO 's3://b/'")).toEqual({ statementType: "DML", resultFile: "csv" });
  });
});
