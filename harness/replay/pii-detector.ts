/**
 * Finds values that look like personal data in what an imported scenario would contain, so nobody commits a
 * patient's details by accident: e-mail addresses, phone numbers, social security numbers anywhere; dates of birth,
 * names, medical record numbers and addresses under keys that say so (`dob`, `birthDate`, `firstName`,
 * `patientName`, `mrn`, `address`, …). Findings name the JSON path, never the value (reports get shared).
 * Heuristics: they can miss things and flag harmless values; `--redact` decides.
 */

export type PiiKind =
  | "email address"
  | "phone number"
  | "social security number"
  | "date of birth"
  | "person's name"
  | "medical record number"
  | "postal address";

/** One suspicious value: where (a JSONPath in its document) and what it looks like. */
export interface PiiFinding {
  /** JSONPath within the document (`$.patient.email`); a value inside a JSON text adds ` (in JSON text)` hops. */
  path: string;
  kind: PiiKind;
  /** False when the path runs through a JSON text, which `--redact` JSONPaths cannot reach. */
  redactable: boolean;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/;
/** +1 415 555 0134, (415) 555-0134, 415-555-0134, +44 20 7946 0958: separators or a leading +, 10–15 digits. */
const PHONE = /(?:^|[^\w])(\+\d[\d\s().-]{8,}\d|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w])/;
/** What {@link Redactor} puts in place of a value: already taken care of. */
const REDACTED = /^<redacted:\d+>$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/;

function norm(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const DOB_KEYS = new Set(["dob", "dateofbirth", "birthdate", "birthday", "birthdt", "dobdate"]);
const SSN_KEYS = new Set(["ssn", "socialsecuritynumber", "socialsecurityno", "socialsecurity", "taxid", "nationalid"]);
const PHONE_KEYS = new Set([
  "phone",
  "phonenumber",
  "mobile",
  "mobilephone",
  "cellphone",
  "telephone",
  "tel",
  "fax",
  "homephone",
  "workphone",
  "contactnumber",
]);
const NAME_KEYS = new Set([
  "firstname",
  "lastname",
  "fullname",
  "middlename",
  "givenname",
  "familyname",
  "surname",
  "maidenname",
  "patientname",
  "membername",
  "subscribername",
  "guardianname",
]);
/** Parents under which a plain `name` is a person's name. */
const PERSON_PARENTS = new Set(["patient", "person", "member", "subscriber", "guardian", "contact", "patientinfo"]);
const MRN_KEYS = new Set(["mrn", "medicalrecordnumber", "medicalrecordno", "medicalrecordid"]);
const ADDRESS_KEYS = new Set([
  "address",
  "streetaddress",
  "street",
  "addressline1",
  "addressline2",
  "homeaddress",
  "zip",
  "zipcode",
  "postalcode",
]);

/** What kinds of personal data a free text seems to contain (error causes, Athena's reasons). */
export function personalDataInText(text: string): PiiKind[] {
  const kinds: PiiKind[] = [];
  if (EMAIL.test(text)) kinds.push("email address");
  if (SSN.test(text)) kinds.push("social security number");
  else if (PHONE.test(text)) kinds.push("phone number");
  return kinds;
}

function segment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Every suspicious value in a JSON document, by JSONPath. JSON texts inside strings are searched too. */
export function findPersonalData(doc: unknown, root = "$"): PiiFinding[] {
  const out: PiiFinding[] = [];
  const visit = (v: unknown, path: string, key: string | undefined, parent: string | undefined, through: boolean) => {
    const k = key === undefined ? "" : norm(key);
    const add = (kind: PiiKind) => out.push({ path, kind, redactable: !through });
    if (v === null || v === undefined) return;
    if (typeof v === "string" && REDACTED.test(v)) return;
    if (typeof v === "object") {
      if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}${segment(i)}`, key, parent, through));
      else for (const [ck, cv] of Object.entries(v)) visit(cv, `${path}${segment(ck)}`, ck, key, through);
      return;
    }
    if (DOB_KEYS.has(k)) return add("date of birth");
    if (SSN_KEYS.has(k)) return add("social security number");
    if (MRN_KEYS.has(k)) return add("medical record number");
    if (NAME_KEYS.has(k) || (k === "name" && parent !== undefined && PERSON_PARENTS.has(norm(parent)))) {
      return add("person's name");
    }
    if (ADDRESS_KEYS.has(k) && typeof v === "string") return add("postal address");
    if (PHONE_KEYS.has(k)) return add("phone number");
    if (typeof v !== "string") return;
    const trimmed = v.trim();
    if ((trimmed.startsWith("{") || trimmed.startsWith("[")) && trimmed.length > 1) {
      try {
        const inner = JSON.parse(trimmed) as unknown;
        const before = out.length;
        visit(inner, `${path} (in JSON text) $`, undefined, undefined, true);
        if (out.length > before) return;
      } catch {
        // not JSON: search it as text
      }
    }
    if (/birth/i.test(key ?? "") && DATE_LIKE.test(trimmed)) return add("date of birth");
    for (const kind of personalDataInText(v)) add(kind);
  };
  visit(doc, root, undefined, undefined, false);
  return out;
}
