#!/usr/bin/env python3
"""boto3 conformance suite for the pipeline-testbed emulators.

Runs the calls the pipeline and its users make with boto3 (botocore), as boto3 makes them by default, against one
edge endpoint, and prints one JSON line per check: {"service", "check", "ok", "detail"}. Every expectation is what
AWS does (AWS docs, botocore's service models, LocalStack's tests), not what the emulator happens to do, so a failing
check is a compatibility finding.

Defaults kept as boto3 has them: addressing as botocore chooses for an IP endpoint (path style), flexible checksums
("when_supported": CRC32 on uploads, x-amz-checksum-mode on GetObject), Expect: 100-continue on PutObject/UploadPart,
EncodingType=url on listings, s3transfer for upload_fileobj/download_fileobj. Only retries are off (one attempt) so a
failure shows the emulator's first answer.

Version-aware: those defaults and some of the API are not the same in every botocore (CI may run Debian's 1.29 from
2022, developers a current one). `Botocore` (below) says, from botocore's version and its CHANGELOG, what the running
one sends and knows; a check that depends on it asserts what that version sends and what AWS answers to it, never
less. The first record's detail names the version and those features.

Usage: python3 boto3_suite.py http://127.0.0.1:4566 [--services s3,sqs,...]
The edge must run on its virtual clock (the default; not --real-time): some checks advance it with
POST /_testbed/clock, and read captured Lambda invocations from the control plane.
Exit status: 0 all checks passed, 1 some failed, 2 bad usage or boto3 missing.
Needs only the standard library and boto3.
"""

import argparse
import base64
import datetime
import hashlib
import io
import json
import struct
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
import zlib

try:
    import boto3
    import botocore
    import botocore.history
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover - reported to the caller
    print(f"boto3 is not importable: {e}", file=sys.stderr)
    sys.exit(2)

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/boto3-suite"
SERVICES = ["s3", "sqs", "sns", "lambda", "athena", "stepfunctions"]


# ---- botocore versions -------------------------------------------------------------------------------------------


def parse_version(text):
    """`1.29.27` (also `1.35.0.dev1`, `1.36`) as a comparable (major, minor, patch)."""
    parts = []
    for piece in text.split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


class Botocore:
    """What one botocore version sends by default and which API members it knows (dates from botocore's CHANGELOG).

    Checks branch on these, and the ones that a client's model can confirm (`confirm`) check the model agrees, so a
    wrong threshold shows up as a failed check rather than a silently different expectation.
    """

    def __init__(self, version):
        self.version = version
        v = parse_version(version)
        # 1.36.0 (2025-01): request_checksum_calculation / response_checksum_validation default "when_supported":
        # CRC32 on PutObject/UploadPart, CRC32 instead of Content-MD5 on DeleteObjects, x-amz-checksum-mode: ENABLED
        # on GetObject. Before: Content-MD5 on PutObject/DeleteObjects, no checksum mode unless asked.
        self.default_checksums = v >= (1, 36, 0)
        # SQS's wire protocol flipped three times: awsJson1_0 in 1.29.127, back to awsQuery in 1.29.128; awsJson1_0
        # in 1.31.81, back in 1.32.6; awsJson1_0 for good since 1.34.90.
        self.sqs_json = v == (1, 29, 127) or (1, 31, 81) <= v < (1, 32, 6) or v >= (1, 34, 90)
        # 1.34.101: ReceiveMessage MessageSystemAttributeNames (replacing AttributeNames, which AWS still honours).
        self.sqs_system_attribute_names = v >= (1, 34, 101)
        # 1.33.2: HeadBucket output members BucketRegion (x-amz-bucket-region) and friends.
        self.s3_bucket_region = v >= (1, 33, 2)
        # 1.34.162: ListBuckets MaxBuckets/ContinuationToken and its paginator.
        self.s3_list_buckets_pages = v >= (1, 34, 162)

    def summary(self):
        return (
            f"botocore {self.version}: default checksums {'on' if self.default_checksums else 'off'}, "
            f"SQS {'awsJson1_0' if self.sqs_json else 'awsQuery'}, "
            f"MessageSystemAttributeNames {'yes' if self.sqs_system_attribute_names else 'no'}, "
            f"HeadBucket BucketRegion {'yes' if self.s3_bucket_region else 'no'}, "
            f"ListBuckets pages {'yes' if self.s3_list_buckets_pages else 'no'}"
        )

    def system_attributes(self, names):
        """ReceiveMessage's system-attribute parameter as this version spells it."""
        key = "MessageSystemAttributeNames" if self.sqs_system_attribute_names else "AttributeNames"
        return {key: names}


BOTOCORE = Botocore(botocore.__version__)


def input_members(client, operation):
    shape = client.meta.service_model.operation_model(operation).input_shape
    return shape.members if shape is not None else {}


def output_members(client, operation):
    shape = client.meta.service_model.operation_model(operation).output_shape
    return shape.members if shape is not None else {}


def confirm(feature, actual, what):
    """The client's model must agree with what `Botocore` derived from the version number."""
    if feature != actual:
        raise Check(f"botocore {BOTOCORE.version}: {what} is {actual!r} in its model; the version table: {feature!r}")


# ---- reporting ---------------------------------------------------------------------------------------------------


class Check(Exception):
    """A failed expectation; its message is the check's detail."""


def expect(actual, expected, what):
    if actual != expected:
        raise Check(f"{what}: expected {expected!r}, got {actual!r}")
    return actual


def expect_true(cond, what):
    if not cond:
        raise Check(what)


def describe_error(e):
    if isinstance(e, Check):
        return str(e)
    if isinstance(e, ClientError):
        err = e.response.get("Error", {})
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"{e.operation_name} raised ClientError {err.get('Code')!r} (HTTP {status}): {err.get('Message')!r}"
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    if frame and "botocore" in frame.filename.replace("\\", "/").split("/"):
        # Raised inside botocore (e.g. its parser choking on an answer): say where, and show the answer.
        where = f"botocore/{frame.filename.rsplit('botocore', 1)[1].lstrip('/')}:{frame.lineno} {frame.name}()"
        answer = LAST_ANSWER.describe()
        return f"{type(e).__name__} in {where}: {e}" + (f"; the answer it was handling: {answer}" if answer else "")
    where = f" at line {frame.lineno}" if frame else ""
    return f"{type(e).__name__}{where}: {e}"


class LastAnswer(botocore.history.BaseHistoryHandler):
    """Keeps the last HTTP answer botocore received (its history events), to show when botocore cannot parse it."""

    def __init__(self):
        self.response = None

    def emit(self, event_type, payload, source):
        if event_type == "HTTP_RESPONSE" and not payload.get("streaming"):
            self.response = payload

    def describe(self):
        if self.response is None:
            return ""
        body = self.response.get("body") or b""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        return f"HTTP {self.response.get('status_code')} {text[:400]!r}"


LAST_ANSWER = LastAnswer()


class Suite:
    """Runs checks in order and prints each result as one JSON line."""

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")
        self.failed = 0
        self.run_id = uuid.uuid4().hex[:8]
        self.session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
        )
        # Requests as botocore sent them, by client (see `sent`).
        self.requests = {}
        # The first record carries the botocore version and its features, so a run's output says which ran.
        self.version_shown = False
        recorder = botocore.history.get_global_history_recorder()
        recorder.add_handler(LAST_ANSWER)
        recorder.enable()

    def client(self, name, **config):
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"}, **config)
        client = self.session.client(name, endpoint_url=self.endpoint, config=cfg)
        log = self.requests.setdefault(id(client), [])

        def record(request, **_):
            log.append(request)
            del log[:-20]

        client.meta.events.register("before-send", record)
        return client

    def sent(self, client, method=None):
        """The last request `client` sent (optionally: with this HTTP method)."""
        for request in reversed(self.requests.get(id(client), [])):
            if method is None or request.method == method:
                return request
        raise Check("no request recorded")

    def check(self, service, name):
        """Decorator that runs the function at once as one check; it returns a detail string or None."""

        def run(fn):
            try:
                detail = fn()
                ok = True
            except Exception as e:  # every failure is a result, not a crash
                ok = False
                detail = describe_error(e)
            if not ok:
                self.failed += 1
            detail = detail or ""
            if not self.version_shown:
                self.version_shown = True
                detail = f"[{BOTOCORE.summary()}] {detail}".rstrip()
            line = {"service": service, "check": name, "ok": ok, "detail": detail}
            print(json.dumps(line), flush=True)
            return fn

        return run

    def name(self, base):
        return f"{base}-{self.run_id}"

    def control(self, method, path, body=None):
        """Calls the testbed control plane (`/_testbed/...`) and returns its parsed JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as res:
            text = res.read().decode()
        return json.loads(text) if text else {}

    def advance(self, ms):
        return self.control("POST", "/_testbed/clock", {"advanceMs": ms})


def client_error(fn, code, status=None, exception=None, what=""):
    """Runs `fn`, which must raise a ClientError with this code (and HTTP status / modelled exception class)."""
    try:
        result = fn()
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        got_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if got != code:
            raise Check(
                f"{what or e.operation_name}: expected error code {code!r}, got {got!r} (HTTP {got_status}): "
                f"{e.response.get('Error', {}).get('Message')!r}"
            )
        if status is not None and got_status != status:
            raise Check(f"{what or e.operation_name}: {code} expected HTTP {status}, got {got_status}")
        if exception is not None and not isinstance(e, exception):
            raise Check(
                f"{what or e.operation_name}: {code} is {type(e).__name__}, not the modelled {exception.__name__}"
            )
        return e
    raise Check(f"{what or 'call'}: expected {code}, but it succeeded: {str(result)[:200]}")


def poll(fn, until, what, timeout=5.0):
    """Calls `fn` until `until(result)` (boto3 users poll like this; the clock is virtual, so it is short)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise Check(f"{what}: still not there after {timeout} s; last answer {str(result)[:300]}")
        time.sleep(0.02)


def crc32_b64(data):
    return base64.b64encode(struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)).decode()


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _crc64nvme_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x9A6C9329AC4BC9B5 if c & 1 else c >> 1
        table.append(c)
    return table


CRC64NVME_TABLE = _crc64nvme_table()


def crc64nvme_b64(data):
    """CRC64NVME (reflected, init and final xor all ones), the checksum S3 adds to objects uploaded without one."""
    c = 0xFFFFFFFFFFFFFFFF
    for b in data:
        c = CRC64NVME_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return base64.b64encode(struct.pack(">Q", c ^ 0xFFFFFFFFFFFFFFFF)).decode()


def header(res, name):
    """A response header as botocore received it (for what an older botocore's model does not parse)."""
    return res.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(name.lower())


def sqs_attributes_md5(attributes):
    """MD5OfMessageAttributes as SQS computes it (length-prefixed name, type, transport byte, value; sorted)."""
    buf = b""
    for name in sorted(attributes):
        attr = attributes[name]
        data_type = attr["DataType"]
        buf += struct.pack(">I", len(name.encode())) + name.encode()
        buf += struct.pack(">I", len(data_type.encode())) + data_type.encode()
        if "BinaryValue" in attr:
            value = attr["BinaryValue"]
            buf += b"\x02" + struct.pack(">I", len(value)) + value
        else:
            value = attr["StringValue"].encode()
            buf += b"\x01" + struct.pack(">I", len(value)) + value
    return hashlib.md5(buf).hexdigest()


def drain(sqs, url, expected, timeout=5.0):
    """Receives (long polls of 1 s) until `expected` messages arrived; returns them."""
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < expected and time.monotonic() < deadline:
        res = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            **BOTOCORE.system_attributes(["All"]),
        )
        messages.extend(res.get("Messages", []))
    return messages


# ---- S3 ----------------------------------------------------------------------------------------------------------


def s3_checks(suite):
    s3 = suite.client("s3")
    bucket = suite.name("boto3-s3")
    body = b"state,count\nCA,3\nNY,2\nTX,7\n"
    st = {}

    def bucket_region(res):
        """x-amz-bucket-region, which S3 always sends; botocore >= 1.33.2 also parses it into BucketRegion."""
        region = header(res, "x-amz-bucket-region")
        expect(res.get("BucketRegion"), region if BOTOCORE.s3_bucket_region else None, "BucketRegion (parsed)")
        return region

    @suite.check("s3", "create_bucket (us-east-1, path-style URL as botocore picks for an IP endpoint)")
    def _():
        res = s3.create_bucket(Bucket=bucket)
        req = suite.sent(s3, "PUT")
        expect(req.url.rstrip("/"), f"{suite.endpoint}/{bucket}", "request URL (path-style)")
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 200, "status")
        expect(res.get("Location"), f"/{bucket}", "Location")
        # us-east-1 keeps the legacy answer: re-creating a bucket you own there is 200 OK (CreateBucket docs).
        again = s3.create_bucket(Bucket=bucket)
        expect(again["ResponseMetadata"]["HTTPStatusCode"], 200, "re-create in us-east-1")
        st["bucket"] = True
        return f"{req.method} {req.url}"

    @suite.check("s3", "create_bucket with an invalid name: InvalidBucketName")
    def _():
        client_error(lambda: s3.create_bucket(Bucket="Bad_Bucket_Name"), "InvalidBucketName", 400)

    @suite.check("s3", "regions: LocationConstraint rules; a us-east-1 client still reaches an eu-west-1 bucket")
    def _():
        eu = suite.session.client(
            "s3", region_name="eu-west-1", endpoint_url=suite.endpoint, config=Config(retries={"total_max_attempts": 1})
        )
        name = suite.name("boto3-eu")
        eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        expect(bucket_region(eu.head_bucket(Bucket=name)), "eu-west-1", "HeadBucket region")
        expect(eu.get_bucket_location(Bucket=name).get("LocationConstraint"), "eu-west-1", "LocationConstraint")
        eu.put_object(Bucket=name, Key="k", Body=b"eu")
        # On AWS botocore follows the region redirect (S3RegionRedirectorv2) for a client in the wrong region.
        expect(s3.get_object(Bucket=name, Key="k")["Body"].read(), b"eu", "read through a us-east-1 client")
        client_error(
            lambda: s3.create_bucket(
                Bucket=suite.name("boto3-bad-lc"), CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
            ),
            "InvalidLocationConstraint",
            400,
        )
        client_error(
            lambda: eu.create_bucket(Bucket=suite.name("boto3-no-lc")), "IllegalLocationConstraintException", 400
        )
        eu.delete_object(Bucket=name, Key="k")
        eu.delete_bucket(Bucket=name)

    @suite.check("s3", "head_bucket: BucketRegion; missing bucket: ClientError '404'")
    def _():
        parsed = "BucketRegion" in output_members(s3, "HeadBucket")
        confirm(BOTOCORE.s3_bucket_region, parsed, "HeadBucket BucketRegion")
        res = s3.head_bucket(Bucket=bucket)
        expect(bucket_region(res), REGION, "x-amz-bucket-region")
        expect(s3.get_bucket_location(Bucket=bucket).get("LocationConstraint"), None, "LocationConstraint")
        client_error(lambda: s3.head_bucket(Bucket=suite.name("no-such-bucket")), "404", 404)

    @suite.check("s3", "list_buckets")
    def _():
        res = s3.list_buckets()
        names = [b["Name"] for b in res["Buckets"]]
        expect_true(bucket in names, f"{bucket} not in {names}")
        expect_true(all(hasattr(b["CreationDate"], "year") for b in res["Buckets"]), "CreationDate not parsed")
        expect_true("ID" in res.get("Owner", {}), "Owner.ID missing")
        confirm(BOTOCORE.s3_list_buckets_pages, s3.can_paginate("list_buckets"), "ListBuckets paginator")
        if BOTOCORE.s3_list_buckets_pages:
            pages = list(s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 1}))
            paged = [b["Name"] for p in pages for b in p["Buckets"]]
            expect(paged, names, "names across list_buckets pages of one (MaxBuckets/ContinuationToken)")
            return f"{len(pages)} pages"
        # Without max-buckets (this botocore cannot send it) S3 answers every bucket at once: nothing to continue.
        expect_true("max-buckets" not in suite.sent(s3, "GET").url, "max-buckets sent by a botocore without it")
        expect(res.get("ContinuationToken"), None, "ContinuationToken")
        expect(sorted(names), sorted(set(names)), "bucket names listed once each")
        return "one page (no ListBuckets pagination in this botocore)"

    @suite.check("s3", "put_object: Expect 100-continue, the default integrity check (CRC32 / Content-MD5), ETag")
    def _():
        res = s3.put_object(
            Bucket=bucket,
            Key="raw/patients.csv",
            Body=body,
            ContentType="text/csv",
            Metadata={"source-system": "ehr", "Batch-Id": "42"},
        )
        req = suite.sent(s3, "PUT")
        calculation = getattr(s3.meta.config, "request_checksum_calculation", None)
        confirm(BOTOCORE.default_checksums, calculation == "when_supported", "request_checksum_calculation")
        expect(req.headers.get("Expect"), b"100-continue", "request Expect header")
        expect(res["ETag"], f'"{hashlib.md5(body).hexdigest()}"', "ETag")
        if BOTOCORE.default_checksums:
            expect(req.headers.get("x-amz-checksum-crc32"), crc32_b64(body).encode(), "request x-amz-checksum-crc32")
            expect(req.headers.get("Content-MD5"), None, "request Content-MD5")
            expect(res.get("ChecksumCRC32"), crc32_b64(body), "ChecksumCRC32 in the response")
        else:
            # Botocore < 1.36 sends Content-MD5 and no flexible checksum; S3 then stores the CRC64NVME it computes
            # itself and names it in the answer (PutObject: x-amz-checksum-crc64nvme, "if it was uploaded without a
            # checksum"), which this botocore's model cannot parse: read the header.
            expect(req.headers.get("Content-MD5"), md5_b64(body).encode(), "request Content-MD5")
            sent = sorted(k for k in req.headers if k.lower().startswith("x-amz-checksum-"))
            expect(sent, [], "request x-amz-checksum-* headers")
            expect(res.get("ChecksumCRC32"), None, "ChecksumCRC32 in the response")
            expect(header(res, "x-amz-checksum-crc64nvme"), crc64nvme_b64(body), "x-amz-checksum-crc64nvme")
            expect(header(res, "x-amz-checksum-type"), "FULL_OBJECT", "x-amz-checksum-type")
        st["object"] = True

    @suite.check("s3", "put_object with ChecksumAlgorithm=SHA256 and a file object body")
    def _():
        data = b"x" * 1000
        res = s3.put_object(Bucket=bucket, Key="raw/sha.bin", Body=io.BytesIO(data), ChecksumAlgorithm="SHA256")
        expect(res.get("ChecksumSHA256"), base64.b64encode(hashlib.sha256(data).digest()).decode(), "ChecksumSHA256")
        got = s3.get_object(Bucket=bucket, Key="raw/sha.bin")
        expect(got["Body"].read(), data, "body")
        if BOTOCORE.default_checksums:
            expect(got.get("ChecksumSHA256"), res.get("ChecksumSHA256"), "GetObject ChecksumSHA256 (checksum mode)")
        else:
            # No checksum mode by default before botocore 1.36, and S3 sends checksums only when asked.
            expect(got.get("ChecksumSHA256"), None, "GetObject ChecksumSHA256 without checksum mode")
            got = s3.get_object(Bucket=bucket, Key="raw/sha.bin", ChecksumMode="ENABLED")
            expect(got["Body"].read(), data, "body (checksum mode)")
            expect(got.get("ChecksumSHA256"), res.get("ChecksumSHA256"), "GetObject ChecksumSHA256 (checksum mode)")

    @suite.check("s3", "put_object with ContentMD5: accepted when right, BadDigest when wrong")
    def _():
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        s3.put_object(Bucket=bucket, Key="raw/md5.csv", Body=body, ContentMD5=md5)
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        client_error(
            lambda: s3.put_object(Bucket=bucket, Key="raw/md5.csv", Body=body, ContentMD5=wrong), "BadDigest", 400
        )

    @suite.check("s3", "waiters object_exists / object_not_exists")
    def _():
        s3.get_waiter("object_exists").wait(
            Bucket=bucket, Key="raw/patients.csv", WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )
        s3.get_waiter("object_not_exists").wait(
            Bucket=bucket, Key="raw/never.csv", WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )

    @suite.check("s3", "put_object with SSE-S3, CacheControl, ContentEncoding, ContentDisposition, StorageClass")
    def _():
        res = s3.put_object(
            Bucket=bucket,
            Key="raw/headers.bin",
            Body=b"h",
            ServerSideEncryption="AES256",
            CacheControl="max-age=60",
            ContentEncoding="identity",
            ContentDisposition="inline",
            ContentLanguage="en",
            StorageClass="STANDARD_IA",
        )
        expect(res.get("ServerSideEncryption"), "AES256", "PutObject ServerSideEncryption")
        head = s3.head_object(Bucket=bucket, Key="raw/headers.bin")
        fields = ("ServerSideEncryption", "CacheControl", "ContentEncoding", "ContentDisposition")
        got = {k: head.get(k) for k in fields}
        expect(
            got,
            {
                "ServerSideEncryption": "AES256",
                "CacheControl": "max-age=60",
                "ContentEncoding": "identity",
                "ContentDisposition": "inline",
            },
            "HeadObject headers",
        )
        expect(head.get("ContentLanguage"), "en", "ContentLanguage")
        expect(head.get("StorageClass"), "STANDARD_IA", "StorageClass")

    @suite.check("s3", "get_object: body, metadata, content type, checksum validated by botocore")
    def _():
        res = s3.get_object(Bucket=bucket, Key="raw/patients.csv")
        req = suite.sent(s3, "GET")
        expect(res["Body"].read(), body, "body")
        expect(res["ContentType"], "text/csv", "ContentType")
        expect(res["ContentLength"], len(body), "ContentLength")
        expect(res["Metadata"], {"source-system": "ehr", "batch-id": "42"}, "Metadata (keys lower-cased)")
        expect_true(hasattr(res["LastModified"], "year"), "LastModified not a datetime")
        if BOTOCORE.default_checksums:
            expect(req.headers.get("x-amz-checksum-mode"), b"ENABLED", "request x-amz-checksum-mode")
            expect(res.get("ChecksumCRC32"), crc32_b64(body), "ChecksumCRC32")
        else:
            # Before 1.36 botocore asks for no checksum, and S3 then sends none.
            expect(req.headers.get("x-amz-checksum-mode"), None, "request x-amz-checksum-mode")
            got = sorted(k for k in res["ResponseMetadata"]["HTTPHeaders"] if k.startswith("x-amz-checksum-"))
            expect(got, [], "x-amz-checksum-* response headers without checksum mode")

    @suite.check("s3", "head_object with ChecksumMode=ENABLED returns the stored checksum")
    def _():
        res = s3.head_object(Bucket=bucket, Key="raw/patients.csv", ChecksumMode="ENABLED")
        if BOTOCORE.default_checksums:
            expect(res.get("ChecksumCRC32"), crc32_b64(body), "ChecksumCRC32")
            return None
        # Uploaded by this botocore without a checksum: S3's own CRC64NVME (a header this model does not parse).
        expect(res.get("ChecksumCRC32"), None, "ChecksumCRC32")
        expect(header(res, "x-amz-checksum-crc64nvme"), crc64nvme_b64(body), "x-amz-checksum-crc64nvme")
        # A CRC32 asked for explicitly (ChecksumAlgorithm, which this botocore knows) is the one S3 keeps and returns.
        s3.put_object(Bucket=bucket, Key="raw/crc32.csv", Body=body, ChecksumAlgorithm="CRC32")
        expect(suite.sent(s3, "PUT").headers.get("x-amz-checksum-crc32"), crc32_b64(body).encode(), "sent CRC32")
        res = s3.head_object(Bucket=bucket, Key="raw/crc32.csv", ChecksumMode="ENABLED")
        expect(res.get("ChecksumCRC32"), crc32_b64(body), "ChecksumCRC32 of an explicit CRC32 upload")
        expect(header(res, "x-amz-checksum-crc64nvme"), None, "x-amz-checksum-crc64nvme next to a CRC32")
        return None

    @suite.check("s3", "keys that need care on the wire round-trip (put, get, list, delete_objects)")
    def _():
        tricky = [
            "odd/a//double",
            "odd/dots/../x",
            "odd/tilde~and space",
            "odd/unicode/日本語.csv",
            "odd/question?mark",
            "odd/hash#tag",
            "odd/plus+sign",
            "odd/amp&<lt>.csv",
            "odd/semi;colon=eq",
        ]
        for k in tricky:
            s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        for k in tricky:
            expect(s3.get_object(Bucket=bucket, Key=k)["Body"].read(), k.encode(), f"body of {k!r}")
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="odd/")["Contents"]]
        expect(listed, sorted(tricky, key=lambda k: k.encode()), "listed keys (UTF-8 binary order)")
        res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in tricky]})
        expect(sorted(d["Key"] for d in res.get("Deleted", [])), sorted(tricky), "Deleted")
        expect(s3.list_objects_v2(Bucket=bucket, Prefix="odd/")["KeyCount"], 0, "KeyCount after delete")

    @suite.check("s3", "empty object: put, get, head")
    def _():
        res = s3.put_object(Bucket=bucket, Key="raw/empty", Body=b"")
        expect(res["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"', "ETag")
        expect(s3.get_object(Bucket=bucket, Key="raw/empty")["Body"].read(), b"", "body")
        expect(s3.head_object(Bucket=bucket, Key="raw/empty")["ContentLength"], 0, "ContentLength")

    @suite.check("s3", "get_object with Range: 206, ContentRange, partial body")
    def _():
        res = s3.get_object(Bucket=bucket, Key="raw/patients.csv", Range="bytes=6-10")
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 206, "status")
        expect(res["Body"].read(), body[6:11], "body")
        expect(res["ContentRange"], f"bytes 6-10/{len(body)}", "ContentRange")
        expect(res["ContentLength"], 5, "ContentLength")
        suffix = s3.get_object(Bucket=bucket, Key="raw/patients.csv", Range="bytes=-5")
        expect(suffix["Body"].read(), body[-5:], "suffix range body")

    @suite.check("s3", "get_object with ResponseContentType/ResponseContentDisposition overrides")
    def _():
        res = s3.get_object(
            Bucket=bucket,
            Key="raw/patients.csv",
            ResponseContentType="application/octet-stream",
            ResponseContentDisposition='attachment; filename="p.csv"',
        )
        res["Body"].read()
        expect(res["ContentType"], "application/octet-stream", "ContentType")
        expect(res.get("ContentDisposition"), 'attachment; filename="p.csv"', "ContentDisposition")

    @suite.check("s3", "head_object; missing key: ClientError '404' (no body)")
    def _():
        res = s3.head_object(Bucket=bucket, Key="raw/patients.csv")
        expect(res["ContentLength"], len(body), "ContentLength")
        expect(res["ETag"], f'"{hashlib.md5(body).hexdigest()}"', "ETag")
        expect(res["Metadata"].get("batch-id"), "42", "Metadata")
        expect(res.get("AcceptRanges"), "bytes", "AcceptRanges")
        e = client_error(lambda: s3.head_object(Bucket=bucket, Key="raw/missing.csv"), "404", 404)
        expect(e.response["Error"].get("Message"), "Not Found", "message botocore derives from the status")

    @suite.check("s3", "get_object missing key: NoSuchKey (modelled exception, Key in the error)")
    def _():
        e = client_error(
            lambda: s3.get_object(Bucket=bucket, Key="raw/missing.csv"), "NoSuchKey", 404, s3.exceptions.NoSuchKey
        )
        expect(e.response["Error"].get("Key"), "raw/missing.csv", "Error.Key")

    @suite.check("s3", "get_object / list_objects_v2 on a missing bucket: NoSuchBucket")
    def _():
        missing = suite.name("no-such-bucket")
        e = client_error(
            lambda: s3.get_object(Bucket=missing, Key="k"), "NoSuchBucket", 404, s3.exceptions.NoSuchBucket
        )
        expect(e.response["Error"].get("BucketName"), missing, "Error.BucketName")
        client_error(lambda: s3.list_objects_v2(Bucket=missing), "NoSuchBucket", 404, s3.exceptions.NoSuchBucket)
        client_error(lambda: s3.put_object(Bucket=missing, Key="k", Body=b"x"), "NoSuchBucket", 404)

    @suite.check("s3", "conditional get_object: If-None-Match/If-Modified-Since 304, If-Match/If-Unmodified-Since 412")
    def _():
        modified = s3.head_object(Bucket=bucket, Key="raw/patients.csv")["LastModified"]
        earlier = modified - datetime.timedelta(days=1)
        # Not modified since its own LastModified: 304. (Not a later date: one past the server's clock is ignored,
        # RFC 9110 section 13.1.3.)
        client_error(
            lambda: s3.get_object(Bucket=bucket, Key="raw/patients.csv", IfModifiedSince=modified), "304", 304
        )
        client_error(
            lambda: s3.get_object(Bucket=bucket, Key="raw/patients.csv", IfUnmodifiedSince=earlier),
            "PreconditionFailed",
            412,
        )
        got = s3.get_object(Bucket=bucket, Key="raw/patients.csv", IfModifiedSince=earlier)
        expect(got["Body"].read(), body, "body when modified since")
        etag = f'"{hashlib.md5(body).hexdigest()}"'
        client_error(lambda: s3.get_object(Bucket=bucket, Key="raw/patients.csv", IfNoneMatch=etag), "304", 304)
        client_error(
            lambda: s3.get_object(Bucket=bucket, Key="raw/patients.csv", IfMatch='"0000"'), "PreconditionFailed", 412
        )

    @suite.check("s3", "copy_object: keys needing URL encoding, metadata copied, then REPLACE")
    def _():
        src = "raw/with space/ü+%25.csv"
        s3.put_object(Bucket=bucket, Key=src, Body=body, Metadata={"origin": "copy-test"})
        res = s3.copy_object(Bucket=bucket, Key="staged/copy 1.csv", CopySource={"Bucket": bucket, "Key": src})
        expect(res["CopyObjectResult"]["ETag"], f'"{hashlib.md5(body).hexdigest()}"', "CopyObjectResult.ETag")
        expect_true(hasattr(res["CopyObjectResult"]["LastModified"], "year"), "LastModified not a datetime")
        copied = s3.get_object(Bucket=bucket, Key="staged/copy 1.csv")
        expect(copied["Body"].read(), body, "copied body")
        expect(copied["Metadata"], {"origin": "copy-test"}, "copied metadata (COPY directive)")
        s3.copy_object(
            Bucket=bucket,
            Key="staged/copy 2.csv",
            CopySource=f"{bucket}/{src}",
            MetadataDirective="REPLACE",
            Metadata={"origin": "replaced"},
            ContentType="text/plain",
        )
        head = s3.head_object(Bucket=bucket, Key="staged/copy 2.csv")
        expect(head["Metadata"], {"origin": "replaced"}, "REPLACE metadata")
        expect(head["ContentType"], "text/plain", "REPLACE content type")

    @suite.check("s3", "copy_object from a missing key: NoSuchKey")
    def _():
        client_error(
            lambda: s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "raw/none.csv"}),
            "NoSuchKey",
            404,
        )

    keys = ["list/a.csv", "list/b.csv", "list/sub/c.csv", "list/sub/d.csv", "list/e f+g%.csv", "other.csv"]

    @suite.check("s3", "list_objects_v2 Prefix + Delimiter: Contents, CommonPrefixes, KeyCount (EncodingType=url)")
    def _():
        for k in keys:
            s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        res = s3.list_objects_v2(Bucket=bucket, Prefix="list/", Delimiter="/")
        got = [o["Key"] for o in res.get("Contents", [])]
        expect(got, ["list/a.csv", "list/b.csv", "list/e f+g%.csv"], "Contents keys (decoded by botocore)")
        expect([p["Prefix"] for p in res.get("CommonPrefixes", [])], ["list/sub/"], "CommonPrefixes")
        expect(res["KeyCount"], 4, "KeyCount")
        expect(res["Prefix"], "list/", "Prefix")
        expect(res["Delimiter"], "/", "Delimiter")
        expect(res["IsTruncated"], False, "IsTruncated")
        expect(res["Contents"][0]["Size"], len(b"list/a.csv"), "Size")
        expect_true(b"encoding-type=url" in suite.sent(s3).url.encode(), "botocore should send encoding-type=url")

    @suite.check("s3", "list_objects_v2 StartAfter and MaxKeys")
    def _():
        res = s3.list_objects_v2(Bucket=bucket, Prefix="list/", StartAfter="list/b.csv", MaxKeys=2)
        expect([o["Key"] for o in res["Contents"]], ["list/e f+g%.csv", "list/sub/c.csv"], "keys")
        expect(res["StartAfter"], "list/b.csv", "StartAfter echoed")
        expect(res["IsTruncated"], True, "IsTruncated")
        expect(res["MaxKeys"], 2, "MaxKeys")

    @suite.check("s3", "list_objects_v2 paginator (PageSize=2): every key once, several pages")
    def _():
        pages = list(
            s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix="list/", PaginationConfig={"PageSize": 2}
            )
        )
        got = [o["Key"] for p in pages for o in p.get("Contents", [])]
        expected = sorted(k for k in keys if k.startswith("list/"))
        expect(got, expected, "keys across pages")
        expect(len(pages), 3, "pages")
        expect_true(all("NextContinuationToken" in p for p in pages[:-1]), "NextContinuationToken on truncated pages")

    @suite.check("s3", "list_objects (v1) paginator with Delimiter and PageSize=1")
    def _():
        pages = list(
            s3.get_paginator("list_objects").paginate(
                Bucket=bucket, Prefix="list/", Delimiter="/", PaginationConfig={"PageSize": 1}
            )
        )
        got = [o["Key"] for p in pages for o in p.get("Contents", [])]
        prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
        expect(got, ["list/a.csv", "list/b.csv", "list/e f+g%.csv"], "keys")
        expect(prefixes, ["list/sub/"], "CommonPrefixes")

    @suite.check("s3", "delete_object (also of a missing key: 204)")
    def _():
        res = s3.delete_object(Bucket=bucket, Key="list/a.csv")
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 204, "status")
        client_error(lambda: s3.head_object(Bucket=bucket, Key="list/a.csv"), "404", 404)
        res = s3.delete_object(Bucket=bucket, Key="list/never-existed.csv")
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 204, "status for a missing key")

    @suite.check("s3", "delete_objects (CRC32 since botocore 1.36, Content-MD5 before: the required checksum)")
    def _():
        res = s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": "list/b.csv"}, {"Key": "list/sub/c.csv"}, {"Key": "list/ghost.csv"}]},
        )
        req = suite.sent(s3, "POST")
        sent_body = req.body if isinstance(req.body, bytes) else str(req.body or "").encode()
        if BOTOCORE.default_checksums:
            expect(req.headers.get("x-amz-checksum-crc32"), crc32_b64(sent_body).encode(), "x-amz-checksum-crc32")
            expect(req.headers.get("Content-MD5"), None, "Content-MD5")
        else:
            expect(req.headers.get("Content-MD5"), md5_b64(sent_body).encode(), "Content-MD5")
            expect(req.headers.get("x-amz-checksum-crc32"), None, "x-amz-checksum-crc32")
        deleted = sorted(d["Key"] for d in res.get("Deleted", []))
        expect(deleted, ["list/b.csv", "list/ghost.csv", "list/sub/c.csv"], "Deleted")
        expect(res.get("Errors", []), [], "Errors")
        quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "list/sub/d.csv"}], "Quiet": True})
        expect(quiet.get("Deleted", []), [], "Quiet mode lists nothing")

    @suite.check("s3", "generate_presigned_url GET works with a plain HTTP client")
    def _():
        url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "raw/patients.csv"})
        with urllib.request.urlopen(url, timeout=10) as res:
            expect(res.read(), body, "presigned GET body")

    @suite.check("s3", "generate_presigned_url PUT: upload with a plain HTTP client, then read it back")
    def _():
        url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": "presigned/up.csv", "ContentType": "text/csv"}
        )
        req = urllib.request.Request(url, data=b"a,b\n", method="PUT", headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(req, timeout=10) as res:
            expect(res.status, 200, "presigned PUT status")
        got = s3.get_object(Bucket=bucket, Key="presigned/up.csv")
        expect((got["Body"].read(), got["ContentType"]), (b"a,b\n", "text/csv"), "uploaded object")

    @suite.check("s3", "boto3 resource API: Bucket.objects.filter (ListObjects v1), Object.get, objects.delete()")
    def _():
        res = suite.session.resource(
            "s3", endpoint_url=suite.endpoint, config=Config(retries={"total_max_attempts": 1})
        )
        b = res.Bucket(bucket)
        b.put_object(Key="res/one.csv", Body=b"1")
        res.Object(bucket, "res/two words.csv").put(Body=b"2")
        got = sorted(o.key for o in b.objects.filter(Prefix="res/"))
        expect(got, ["res/one.csv", "res/two words.csv"], "filtered keys")
        expect(res.Object(bucket, "res/two words.csv").get()["Body"].read(), b"2", "Object.get body")
        deleted = b.objects.filter(Prefix="res/").delete()
        expect(sorted(d["Key"] for r in deleted for d in r.get("Deleted", [])), got, "batch delete")
        expect(list(b.objects.filter(Prefix="res/")), [], "keys left")

    @suite.check("s3", "virtual-host addressing when asked (addressing_style=virtual, http://<bucket>.localhost:port)")
    def _():
        port = suite.endpoint.rsplit(":", 1)[1]
        vh = suite.session.client(
            "s3",
            endpoint_url=f"http://localhost:{port}",
            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "virtual"}),
        )
        hosts = []

        def loopback(request, **_):
            # `<bucket>.localhost` need not resolve on every machine: send to 127.0.0.1, keep the Host header.
            scheme, rest = request.url.split("://", 1)
            host, _, path = rest.partition("/")
            hosts.append(host)
            request.headers["Host"] = host
            request.url = f"{scheme}://127.0.0.1:{port}/{path}"

        vh.meta.events.register("before-send", loopback)
        vh.put_object(Bucket=bucket, Key="vh/a b.csv", Body=b"vh")
        expect(vh.get_object(Bucket=bucket, Key="vh/a b.csv")["Body"].read(), b"vh", "body")
        expect([o["Key"] for o in vh.list_objects_v2(Bucket=bucket, Prefix="vh/")["Contents"]], ["vh/a b.csv"], "list")
        vh.delete_object(Bucket=bucket, Key="vh/a b.csv")
        expect_true(all(h == f"{bucket}.localhost:{port}" for h in hosts), f"hosts used: {sorted(set(hosts))}")

    big = bytes(range(256)) * (6 * 1024 * 4)  # 6 MiB: above a 5 MiB threshold, two parts
    small_cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)

    @suite.check("s3", "upload_fileobj below the threshold (single PutObject)")
    def _():
        s3.upload_fileobj(io.BytesIO(body), bucket, "transfer/small.csv", Config=small_cfg)
        expect(s3.get_object(Bucket=bucket, Key="transfer/small.csv")["Body"].read(), body, "body")

    @suite.check("s3", "upload_fileobj multipart (TransferConfig 5 MiB threshold/chunks, 6 MiB object)")
    def _():
        s3.upload_fileobj(io.BytesIO(big), bucket, "transfer/big.bin", Config=small_cfg)
        head = s3.head_object(Bucket=bucket, Key="transfer/big.bin")
        expect(head["ContentLength"], len(big), "ContentLength")
        expect_true(head["ETag"].endswith('-2"'), f"multipart ETag should end in -2, got {head['ETag']}")

    part1 = big[: 5 * 1024 * 1024]
    part2 = big[5 * 1024 * 1024 :]

    def multipart_etag(*parts):
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        return f'"{digest}-{len(parts)}"'

    @suite.check("s3", "low-level multipart: create, upload_part x2, list_parts, list_multipart_uploads, complete")
    def _():
        key = "multipart/low-level.bin"
        created = s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="application/x-test", Metadata={"m": "1"}
        )
        upload_id = created["UploadId"]
        expect((created["Bucket"], created["Key"]), (bucket, key), "InitiateMultipartUploadResult")
        etags = []
        for n, part in ((1, part1), (2, part2)):
            res = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=part)
            expect(res["ETag"], f'"{hashlib.md5(part).hexdigest()}"', f"part {n} ETag")
            etags.append(res["ETag"])
        parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
        expect(
            [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts],
            [(1, etags[0], len(part1)), (2, etags[1], len(part2))],
            "Parts",
        )
        uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix="multipart/").get("Uploads", [])
        expect([(u["Key"], u["UploadId"]) for u in uploads], [(key, upload_id)], "Uploads")
        done = s3.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in ((1, etags[0]), (2, etags[1]))]},
        )
        expect(done["ETag"], multipart_etag(part1, part2), "CompleteMultipartUpload ETag")
        head = s3.head_object(Bucket=bucket, Key=key)
        expect(
            (head["ContentLength"], head["ContentType"], head["Metadata"]),
            (len(big), "application/x-test", {"m": "1"}),
            "object",
        )
        got = s3.get_object(Bucket=bucket, Key=key)
        expect_true(got["Body"].read() == big, "completed object's bytes differ")
        expect(s3.list_multipart_uploads(Bucket=bucket, Prefix="multipart/").get("Uploads", []), [], "Uploads after")

    @suite.check("s3", "multipart errors: EntityTooSmall, InvalidPart, NoSuchUpload after abort")
    def _():
        key = "multipart/errors.bin"
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"small")["ETag"]
        e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=b"tail")["ETag"]
        client_error(
            lambda: s3.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
            ),
            "EntityTooSmall",
            400,
        )
        client_error(
            lambda: s3.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]},
            ),
            "InvalidPart",
            400,
        )
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        client_error(
            lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=3, Body=b"x"),
            "NoSuchUpload",
            404,
            s3.exceptions.NoSuchUpload,
        )
        client_error(lambda: s3.head_object(Bucket=bucket, Key=key), "404", 404)

    @suite.check("s3", "download_fileobj multipart (ranged GETs) of a 6 MiB object")
    def _():
        try:
            s3.head_object(Bucket=bucket, Key="transfer/big.bin")
        except ClientError:
            s3.put_object(Bucket=bucket, Key="transfer/big.bin", Body=big)
        out = io.BytesIO()
        s3.download_fileobj(bucket, "transfer/big.bin", out, Config=small_cfg)
        expect_true(out.getvalue() == big, f"downloaded {len(out.getvalue())} bytes differ from the upload")

    @suite.check("s3", "delete_bucket: BucketNotEmpty while objects remain, 204 once empty")
    def _():
        client_error(lambda: s3.delete_bucket(Bucket=bucket), "BucketNotEmpty", 409)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objs:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objs, "Quiet": True})
        res = s3.delete_bucket(Bucket=bucket)
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 204, "status")
        client_error(lambda: s3.head_bucket(Bucket=bucket), "404", 404)


# ---- SQS ---------------------------------------------------------------------------------------------------------


def sqs_checks(suite):
    sqs = suite.client("sqs")
    name = suite.name("boto3-queue")
    st = {}

    @suite.check("sqs", "create_queue (awsJson1_0 or awsQuery, as botocore speaks) with attributes; same again")
    def _():
        confirm(BOTOCORE.sqs_json, sqs.meta.service_model.protocol == "json", "SQS protocol json")
        res = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})
        req = suite.sent(sqs)
        if BOTOCORE.sqs_json:
            expect(req.headers.get("X-Amz-Target"), b"AmazonSQS.CreateQueue", "X-Amz-Target (botocore speaks JSON)")
        else:
            expect(req.headers.get("X-Amz-Target"), None, "X-Amz-Target")
            content_type = (req.headers.get("Content-Type") or b"").split(b";")[0]
            expect(content_type, b"application/x-www-form-urlencoded", "Content-Type (botocore speaks awsQuery)")
            form = urllib.parse.parse_qs(req.body if isinstance(req.body, str) else req.body.decode())
            fields = ("Action", "QueueName", "Attribute.1.Name", "Attribute.1.Value")
            expect(
                [form.get(f) for f in fields], [["CreateQueue"], [name], ["VisibilityTimeout"], ["30"]], "awsQuery form"
            )
        url = res["QueueUrl"]
        expect_true(url.endswith(f"/{ACCOUNT}/{name}"), f"QueueUrl {url}")
        expect(sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"], url, "again")
        st["url"] = url
        return url

    url = st.get("url", f"{suite.endpoint}/{ACCOUNT}/{name}")

    @suite.check("sqs", "create_queue with different attributes: QueueNameExists (query code QueueAlreadyExists)")
    def _():
        e = client_error(
            lambda: sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"}),
            "QueueAlreadyExists",
            400,
            sqs.exceptions.QueueNameExists,
        )
        expect(e.response["Error"].get("Type"), "Sender", "Error.Type")
        # awsJson: botocore takes the code from x-amzn-query-error and keeps the shape name as QueryErrorCode;
        # awsQuery: the <Code> is the code, and there is nothing else.
        query_error_code = "QueueNameExists" if BOTOCORE.sqs_json else None
        expect(e.response["Error"].get("QueryErrorCode"), query_error_code, "QueryErrorCode")

    @suite.check("sqs", "get_queue_url; missing queue: QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue)")
    def _():
        expect(sqs.get_queue_url(QueueName=name)["QueueUrl"], url, "QueueUrl")
        e = client_error(
            lambda: sqs.get_queue_url(QueueName=suite.name("missing")),
            "AWS.SimpleQueueService.NonExistentQueue",
            400,
            sqs.exceptions.QueueDoesNotExist,
        )
        expect(e.response["Error"].get("Type"), "Sender", "Error.Type")

    @suite.check("sqs", "list_queues with QueueNamePrefix")
    def _():
        res = sqs.list_queues(QueueNamePrefix=name)
        expect(res.get("QueueUrls"), [url], "QueueUrls")
        other = sqs.create_queue(QueueName=name + "-b")["QueueUrl"]
        pages = list(
            sqs.get_paginator("list_queues").paginate(QueueNamePrefix=name, PaginationConfig={"PageSize": 1})
        )
        expect([u for p in pages for u in p.get("QueueUrls", [])], [url, other], "QueueUrls across pages of one")
        sqs.delete_queue(QueueUrl=other)
        expect("QueueUrls" in sqs.list_queues(QueueNamePrefix=suite.name("zzz-none")), False, "no key when empty")

    attrs = {
        "kind": {"DataType": "String", "StringValue": "direct"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    }

    @suite.check("sqs", "send_message with String/Number/Binary attributes: MD5OfMessageBody, MD5OfMessageAttributes")
    def _():
        res = sqs.send_message(QueueUrl=url, MessageBody="hello from boto3", MessageAttributes=attrs)
        expect(res["MD5OfMessageBody"], hashlib.md5(b"hello from boto3").hexdigest(), "MD5OfMessageBody")
        expect(res.get("MD5OfMessageAttributes"), sqs_attributes_md5(attrs), "MD5OfMessageAttributes")
        expect(len(res["MessageId"]), 36, "MessageId length")

    @suite.check("sqs", "receive_message (WaitTimeSeconds=1, All attributes): body, attributes, system attributes")
    def _():
        confirm(
            BOTOCORE.sqs_system_attribute_names,
            "MessageSystemAttributeNames" in input_members(sqs, "ReceiveMessage"),
            "ReceiveMessage MessageSystemAttributeNames",
        )
        # MessageSystemAttributeNames where botocore has it, else the AttributeNames it replaced.
        res = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            **BOTOCORE.system_attributes(["All"]),
        )
        msgs = res.get("Messages", [])
        expect(len(msgs), 1, "messages")
        m = msgs[0]
        expect(m["Body"], "hello from boto3", "Body")
        expect(m.get("MessageAttributes"), attrs, "MessageAttributes")
        expect(m.get("MD5OfMessageAttributes"), sqs_attributes_md5(attrs), "MD5OfMessageAttributes")
        expect(m["Attributes"].get("ApproximateReceiveCount"), "1", "ApproximateReceiveCount")
        expect_true(m["Attributes"].get("SentTimestamp", "").isdigit(), "SentTimestamp")
        st["handle"] = m["ReceiptHandle"]

    @suite.check("sqs", "visibility timeout on the virtual clock: hidden, then back after advancing 31 s")
    def _():
        hidden = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
        expect(hidden.get("Messages", []), [], "messages while in flight")
        suite.advance(31_000)
        # AttributeNames: deprecated but known to every botocore and still honoured by SQS.
        back = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, AttributeNames=["ApproximateReceiveCount"])
        msgs = back.get("Messages", [])
        expect(len(msgs), 1, "messages after the timeout")
        expect(msgs[0].get("Attributes"), {"ApproximateReceiveCount": "2"}, "Attributes (only the one asked for)")
        st["handle"] = msgs[0]["ReceiptHandle"]

    @suite.check("sqs", "change_message_visibility to 0, delete_message, then the queue is empty")
    def _():
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=st["handle"], VisibilityTimeout=0)
        again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
        expect(len(again), 1, "visible again after VisibilityTimeout=0")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
        started = time.monotonic()
        empty = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
        expect(empty.get("Messages", []), [], "messages after delete (a 2 s long poll on the virtual clock)")
        return f"empty 2 s long poll took {time.monotonic() - started:.2f} s wall time"

    @suite.check("sqs", "delete_message with a bogus receipt handle: ReceiptHandleIsInvalid (HTTP 404)")
    def _():
        # 404 per the Smithy model (awsQueryError ReceiptHandleIsInvalid, httpResponseCode 404); botocore's model
        # no longer carries status codes.
        client_error(
            lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="bogus"),
            "ReceiptHandleIsInvalid",
            404,
            sqs.exceptions.ReceiptHandleIsInvalid,
        )

    @suite.check("sqs", "send_message DelaySeconds=5: invisible until the clock moves 5 s")
    def _():
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=5)
        try:
            early, problem = sqs.receive_message(QueueUrl=url).get("Messages", []), None
        except Exception as e:
            early, problem = [], describe_error(e)
        # Also when that failed: take the message once due, so that the next checks start from an empty queue.
        suite.advance(5_000)
        got = sqs.receive_message(QueueUrl=url).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if problem:
            raise Check(f"receive before the delay: {problem}")
        expect(early, [], "messages before the delay")
        expect([m["Body"] for m in got], ["later"], "messages after the delay")

    @suite.check("sqs", "non-ASCII body (emoji, accents): MD5OfMessageBody over UTF-8, body intact")
    def _():
        text = "héllo ✓ 🚀 \u65e5\u672c"
        res = sqs.send_message(QueueUrl=url, MessageBody=text)
        expect(res["MD5OfMessageBody"], hashlib.md5(text.encode()).hexdigest(), "MD5OfMessageBody")
        got = drain(sqs, url, 1)
        expect([m["Body"] for m in got], [text], "Body")
        expect(got[0]["MD5OfBody"], hashlib.md5(text.encode()).hexdigest(), "MD5OfBody")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

    @suite.check("sqs", "send_message_batch and delete_message_batch")
    def _():
        res = sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": f"batch {i}"} for i in range(3)]
        )
        expect(sorted(s["Id"] for s in res.get("Successful", [])), ["m0", "m1", "m2"], "Successful")
        expect(res.get("Failed", []), [], "Failed")
        msgs = drain(sqs, url, 3)
        expect(sorted(m["Body"] for m in msgs), ["batch 0", "batch 1", "batch 2"], "received")
        deleted = sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
        )
        expect(len(deleted.get("Successful", [])), 3, "deleted")

    @suite.check("sqs", "RedrivePolicy maxReceiveCount=1: a message received once moves to the dead-letter queue")
    def _():
        dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = sqs.create_queue(
            QueueName=name + "-src",
            Attributes={
                "VisibilityTimeout": "10",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"}),
            },
        )["QueueUrl"]
        sqs.send_message(QueueUrl=src, MessageBody="poison")
        expect(len(sqs.receive_message(QueueUrl=src).get("Messages", [])), 1, "first receive")
        suite.advance(11_000)
        expect(sqs.receive_message(QueueUrl=src).get("Messages", []), [], "second receive from the source")
        moved = sqs.receive_message(QueueUrl=dlq, **BOTOCORE.system_attributes(["All"])).get("Messages", [])
        expect([m["Body"] for m in moved], ["poison"], "dead-letter queue")
        expect(
            moved[0]["Attributes"].get("DeadLetterQueueSourceArn"),
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-src",
            "DeadLetterQueueSourceArn",
        )
        attributes = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        expect(redrive.get("deadLetterTargetArn"), dlq_arn, "RedrivePolicy read back")
        sqs.delete_queue(QueueUrl=src)
        sqs.delete_queue(QueueUrl=dlq)

    @suite.check("sqs", "get_queue_attributes All / set_queue_attributes")
    def _():
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60", "DelaySeconds": "0"})
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        expect(a.get("QueueArn"), f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", "QueueArn")
        expect(a.get("VisibilityTimeout"), "60", "VisibilityTimeout")
        expect(a.get("ApproximateNumberOfMessages"), "0", "ApproximateNumberOfMessages")
        one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        expect(list(one), ["QueueArn"], "only the requested attribute")
        # No AttributeNames: no attributes (GetQueueAttributes docs); awsQuery still wraps the empty result.
        expect(sqs.get_queue_attributes(QueueUrl=url).get("Attributes"), None, "Attributes when none asked for")

    @suite.check("sqs", "tag_queue / list_queue_tags / untag_queue (and no tags: no Tags key)")
    def _():
        sqs.tag_queue(QueueUrl=url, Tags={"team": "data", "stage": "landing"})
        expect(sqs.list_queue_tags(QueueUrl=url).get("Tags"), {"team": "data", "stage": "landing"}, "Tags")
        sqs.untag_queue(QueueUrl=url, TagKeys=["team", "stage"])
        expect(sqs.list_queue_tags(QueueUrl=url).get("Tags"), None, "Tags after untagging everything")

    @suite.check("sqs", "purge_queue empties the queue")
    def _():
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=f"purge {i}")
        n = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        expect(n["ApproximateNumberOfMessages"], "3", "before purge")
        sqs.purge_queue(QueueUrl=url)
        n = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        expect(n["ApproximateNumberOfMessages"], "0", "after purge")
        expect(sqs.receive_message(QueueUrl=url).get("Messages", []), [], "messages after purge")

    @suite.check("sqs", "delete_queue; then send_message and get_queue_url: QueueDoesNotExist")
    def _():
        sqs.delete_queue(QueueUrl=url)
        client_error(
            lambda: sqs.send_message(QueueUrl=url, MessageBody="x"),
            "AWS.SimpleQueueService.NonExistentQueue",
            400,
            sqs.exceptions.QueueDoesNotExist,
        )
        client_error(
            lambda: sqs.get_queue_url(QueueName=name),
            "AWS.SimpleQueueService.NonExistentQueue",
            400,
            sqs.exceptions.QueueDoesNotExist,
        )


# ---- SNS ---------------------------------------------------------------------------------------------------------


def sns_checks(suite):
    sns = suite.client("sns")
    sqs = suite.client("sqs")
    topic_name = suite.name("boto3-topic")
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic_name}"
    st = {}

    @suite.check("sns", "create_topic (awsQuery) is idempotent")
    def _():
        tags = [{"Key": "team", "Value": "data"}]
        res = sns.create_topic(Name=topic_name, Attributes={"DisplayName": "Landing"}, Tags=tags)
        expect(res["TopicArn"], arn, "TopicArn")
        again = sns.create_topic(Name=topic_name, Attributes={"DisplayName": "Landing"}, Tags=tags)
        expect(again["TopicArn"], arn, "TopicArn again")
        expect(sns.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "team", "Value": "data"}], "Tags")

    @suite.check("sns", "list_topics paginator and get_topic_attributes")
    def _():
        arns = [t["TopicArn"] for p in sns.get_paginator("list_topics").paginate() for t in p["Topics"]]
        expect_true(arn in arns, f"{arn} not listed")
        a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        expect(a.get("TopicArn"), arn, "Attributes.TopicArn")
        expect(a.get("Owner"), ACCOUNT, "Attributes.Owner")
        expect(a.get("DisplayName"), "Landing", "Attributes.DisplayName")

    def queue(base):
        url = sqs.create_queue(QueueName=suite.name(base))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, qarn

    @suite.check("sns", "subscribe an SQS queue (ReturnSubscriptionArn); list_subscriptions_by_topic")
    def _():
        url, qarn = queue("sns-envelope")
        res = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True)
        sub = res["SubscriptionArn"]
        expect_true(sub.startswith(arn + ":"), f"SubscriptionArn {sub}")
        subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        expect(
            [(s["Protocol"], s["Endpoint"], s["SubscriptionArn"]) for s in subs], [("sqs", qarn, sub)], "subscriptions"
        )
        a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        expect(a.get("PendingConfirmation"), "false", "PendingConfirmation")
        st.update(url=url, sub=sub)

    msg_attrs = {
        "kind": {"DataType": "String", "StringValue": "keep"},
        "rows": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffok"},
    }

    @suite.check("sns", "publish with Subject and String/Number/Binary attributes: SQS gets the JSON envelope")
    def _():
        res = sns.publish(TopicArn=arn, Message="file landed", Subject="landing", MessageAttributes=msg_attrs)
        msgs = drain(sqs, st["url"], 1)
        expect(len(msgs), 1, "messages in the subscribed queue")
        env = json.loads(msgs[0]["Body"])
        expect(env.get("Type"), "Notification", "Type")
        expect(env.get("MessageId"), res["MessageId"], "MessageId")
        expect(env.get("TopicArn"), arn, "TopicArn")
        expect(env.get("Subject"), "landing", "Subject")
        expect(env.get("Message"), "file landed", "Message")
        expect(
            env.get("MessageAttributes"),
            {
                "kind": {"Type": "String", "Value": "keep"},
                "rows": {"Type": "Number", "Value": "42"},
                "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\xffok").decode()},
            },
            "MessageAttributes",
        )
        for field in ("Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"):
            expect_true(field in env, f"envelope lacks {field}")
        sqs.delete_message(QueueUrl=st["url"], ReceiptHandle=msgs[0]["ReceiptHandle"])

    @suite.check("sns", "RawMessageDelivery: raw body, SNS attributes become SQS attributes")
    def _():
        sns.set_subscription_attributes(
            SubscriptionArn=st["sub"], AttributeName="RawMessageDelivery", AttributeValue="true"
        )
        sns.publish(TopicArn=arn, Message="raw body", MessageAttributes=msg_attrs)
        msgs = drain(sqs, st["url"], 1)
        expect(len(msgs), 1, "messages")
        expect(msgs[0]["Body"], "raw body", "Body")
        expect(msgs[0].get("MessageAttributes"), msg_attrs, "MessageAttributes")
        sqs.delete_message(QueueUrl=st["url"], ReceiptHandle=msgs[0]["ReceiptHandle"])

    @suite.check("sns", "publish with MessageStructure=json: the sqs-specific message is delivered")
    def _():
        sns.publish(
            TopicArn=arn,
            MessageStructure="json",
            Message=json.dumps({"default": "for everyone", "sqs": "for queues"}),
        )
        msgs = drain(sqs, st["url"], 1)
        expect([m["Body"] for m in msgs], ["for queues"], "bodies (raw delivery is on)")
        sqs.delete_message(QueueUrl=st["url"], ReceiptHandle=msgs[0]["ReceiptHandle"])

    @suite.check("sns", "subscribe a Lambda function: publish invokes it with an SNS event")
    def _():
        lam = suite.client("lambda")
        fn = suite.name("boto3-sns-fn")
        fn_arn = lam.create_function(
            FunctionName=fn,
            Runtime="nodejs20.x",
            Role=ROLE,
            Handler="index.handler",
            Code={"ZipFile": zip_of(HANDLER)},
        )["FunctionArn"]
        try:
            lam.get_waiter("function_active_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
            sub = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=fn_arn)["SubscriptionArn"]
            published = sns.publish(TopicArn=arn, Message="to lambda", Subject="s", MessageAttributes=msg_attrs)
            inv = poll(
                lambda: suite.control("GET", f"/_testbed/lambda/invocations?function={fn}")["invocations"],
                lambda inv: any(i.get("status") != "running" for i in inv),
                "SNS → Lambda invocation",
            )
            record = inv[0]["payload"]["Records"][0]
            expect(record.get("EventSource"), "aws:sns", "EventSource")
            expect(record.get("EventSubscriptionArn"), sub, "EventSubscriptionArn")
            expect(record["Sns"].get("Message"), "to lambda", "Sns.Message")
            expect(record["Sns"].get("MessageId"), published["MessageId"], "Sns.MessageId")
            expect(record["Sns"]["MessageAttributes"].get("rows"), {"Type": "Number", "Value": "42"}, "attribute")
            sns.unsubscribe(SubscriptionArn=sub)
        finally:
            lam.delete_function(FunctionName=fn)

    @suite.check("sns", "subscribe with a FilterPolicy: only matching messages are delivered")
    def _():
        url, qarn = queue("sns-filtered")
        sns.subscribe(
            TopicArn=arn,
            Protocol="sqs",
            Endpoint=qarn,
            Attributes={"FilterPolicy": json.dumps({"kind": ["keep"]}), "RawMessageDelivery": "true"},
        )
        drop = {"kind": {"DataType": "String", "StringValue": "drop"}}
        sns.publish(TopicArn=arn, Message="dropped", MessageAttributes=drop)
        sns.publish(TopicArn=arn, Message="kept", MessageAttributes={"kind": msg_attrs["kind"]})
        msgs = drain(sqs, url, 1)
        # One more short poll: the dropped message must not turn up late either.
        msgs += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        expect([m["Body"] for m in msgs], ["kept"], "delivered bodies")

    @suite.check("sns", "publish_batch")
    def _():
        res = sns.publish_batch(
            TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two"}]
        )
        expect(sorted(s["Id"] for s in res.get("Successful", [])), ["a", "b"], "Successful")
        expect(res.get("Failed", []), [], "Failed")

    @suite.check("sns", "publish / get_topic_attributes on a missing topic: NotFound")
    def _():
        missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:{suite.name('no-such-topic')}"
        client_error(
            lambda: sns.publish(TopicArn=missing, Message="x"), "NotFound", 404, sns.exceptions.NotFoundException
        )
        client_error(
            lambda: sns.get_topic_attributes(TopicArn=missing), "NotFound", 404, sns.exceptions.NotFoundException
        )

    @suite.check("sns", "publish with an invalid parameter: InvalidParameter")
    def _():
        client_error(
            lambda: sns.publish(TopicArn=arn, Message="x", MessageStructure="json"),
            "InvalidParameter",
            400,
            sns.exceptions.InvalidParameterException,
        )

    @suite.check("sns", "unsubscribe and delete_topic")
    def _():
        sns.unsubscribe(SubscriptionArn=st["sub"])
        subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        expect_true(st["sub"] not in [s["SubscriptionArn"] for s in subs], "still subscribed")
        sns.delete_topic(TopicArn=arn)
        arns = [t["TopicArn"] for p in sns.get_paginator("list_topics").paginate() for t in p["Topics"]]
        expect_true(arn not in arns, "topic still listed")


# ---- Lambda ------------------------------------------------------------------------------------------------------

HANDLER = r"""
exports.handler = async (event, context) => {
  if (event && event.fail) {
    const e = new Error("asked to fail: " + event.fail);
    e.name = "PipelineError";
    throw e;
  }
  console.log("event received");
  return { echo: event, functionName: context.functionName, greeting: process.env.GREETING || null, version: 1 };
};
"""


def zip_of(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.js", source)
    return buf.getvalue()


def lambda_checks(suite):
    lam = suite.client("lambda")
    s3 = suite.client("s3")
    fn = suite.name("boto3-fn")
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"
    code = zip_of(HANDLER)

    def payload(res):
        return json.loads(res["Payload"].read() or b"null")

    @suite.check("lambda", "create_function from a zip (nodejs20.x): 201, configuration fields")
    def _():
        res = lam.create_function(
            FunctionName=fn,
            Runtime="nodejs20.x",
            Role=ROLE,
            Handler="index.handler",
            Code={"ZipFile": code},
            Timeout=10,
            MemorySize=256,
            Tags={"team": "data"},
        )
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 201, "status")
        expect(res["FunctionArn"], fn_arn, "FunctionArn")
        expect(res["CodeSha256"], base64.b64encode(hashlib.sha256(code).digest()).decode(), "CodeSha256")
        expect(res["CodeSize"], len(code), "CodeSize")
        expect(res["Version"], "$LATEST", "Version")
        expect(res.get("PackageType"), "Zip", "PackageType")
        expect_true(res.get("State") in ("Pending", "Active"), f"State {res.get('State')}")
        return f"State {res.get('State')}"

    @suite.check("lambda", "waiter function_active_v2, get_function, get_function_configuration")
    def _():
        lam.get_waiter("function_active_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        res = lam.get_function(FunctionName=fn)
        expect(res["Configuration"]["FunctionName"], fn, "Configuration.FunctionName")
        expect(res["Configuration"]["State"], "Active", "Configuration.State")
        expect(res["Code"].get("RepositoryType"), "S3", "Code.RepositoryType")
        expect_true(res["Code"].get("Location", "").startswith("http"), "Code.Location")
        expect(res.get("Tags"), {"team": "data"}, "GetFunction Tags")
        expect(lam.list_tags(Resource=fn_arn)["Tags"], {"team": "data"}, "ListTags")
        conf = lam.get_function_configuration(FunctionName=fn)
        expect(conf["Handler"], "index.handler", "Handler")
        expect(conf["MemorySize"], 256, "MemorySize")

    @suite.check("lambda", "list_functions paginator")
    def _():
        names = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]]
        expect_true(fn in names, f"{fn} not in {names}")
        pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}))
        paged = [f["FunctionName"] for p in pages for f in p["Functions"]]
        expect(paged, names, "names across pages of one (MaxItems/NextMarker)")

    @suite.check("lambda", "invoke RequestResponse with LogType=Tail: 200, payload, ExecutedVersion, LogResult")
    def _():
        res = lam.invoke(FunctionName=fn, Payload=json.dumps({"name": "boto3"}), LogType="Tail")
        expect(res["StatusCode"], 200, "StatusCode")
        expect(res.get("ExecutedVersion"), "$LATEST", "ExecutedVersion")
        expect("FunctionError" in res, False, "FunctionError present")
        out = payload(res)
        expect(out, {"echo": {"name": "boto3"}, "functionName": fn, "greeting": None, "version": 1}, "payload")
        log = base64.b64decode(res.get("LogResult", "")).decode(errors="replace")
        expect_true("REPORT RequestId:" in log and "event received" in log, f"LogResult tail: {log[:200]!r}")

    @suite.check("lambda", "invoke by function ARN with a bytes payload")
    def _():
        res = lam.invoke(FunctionName=fn_arn, Payload=b'{"n": 1}')
        expect(payload(res)["echo"], {"n": 1}, "echo")
        res = lam.invoke(FunctionName=fn, Qualifier="$LATEST", Payload=b'{"n": 2}')
        expect(payload(res)["echo"], {"n": 2}, "echo with Qualifier=$LATEST")

    @suite.check("lambda", "invoke a handler that throws: FunctionError Unhandled, errorType/errorMessage")
    def _():
        res = lam.invoke(FunctionName=fn, Payload=json.dumps({"fail": "bad row"}))
        expect(res["StatusCode"], 200, "StatusCode")
        expect(res.get("FunctionError"), "Unhandled", "FunctionError")
        out = payload(res)
        expect(out.get("errorType"), "PipelineError", "errorType")
        expect(out.get("errorMessage"), "asked to fail: bad row", "errorMessage")
        expect_true(isinstance(out.get("trace"), list), "trace list")

    @suite.check("lambda", "invoke Event: 202 and empty payload; the invocation runs")
    def _():
        suite.control("DELETE", f"/_testbed/lambda/invocations?function={fn}")
        res = lam.invoke(FunctionName=fn, InvocationType="Event", Payload=json.dumps({"async": True}))
        expect(res["StatusCode"], 202, "StatusCode")
        expect(res["Payload"].read(), b"", "Payload")
        done = poll(
            lambda: suite.control("GET", f"/_testbed/lambda/invocations?function={fn}")["invocations"],
            lambda inv: any(i.get("status") == "succeeded" for i in inv),
            "async invocation",
        )
        expect(done[0]["payload"], {"async": True}, "event delivered")

    @suite.check("lambda", "invoke DryRun: 204")
    def _():
        expect(lam.invoke(FunctionName=fn, InvocationType="DryRun")["StatusCode"], 204, "StatusCode")

    @suite.check("lambda", "invoke with a payload that is not JSON: InvalidRequestContentException")
    def _():
        client_error(
            lambda: lam.invoke(FunctionName=fn, Payload=b"{not json"),
            "InvalidRequestContentException",
            400,
            lam.exceptions.InvalidRequestContentException,
        )

    @suite.check("lambda", "update_function_configuration (Environment) + waiter function_updated_v2 + invoke")
    def _():
        lam.update_function_configuration(FunctionName=fn, Environment={"Variables": {"GREETING": "hi"}})
        lam.get_waiter("function_updated_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        conf = lam.get_function_configuration(FunctionName=fn)
        expect(conf.get("Environment", {}).get("Variables"), {"GREETING": "hi"}, "Environment")
        expect(payload(lam.invoke(FunctionName=fn, Payload=b"{}"))["greeting"], "hi", "greeting from the env")

    @suite.check("lambda", "update_function_code with a new zip")
    def _():
        new = zip_of(HANDLER.replace("version: 1", "version: 2"))
        res = lam.update_function_code(FunctionName=fn, ZipFile=new)
        expect(res["CodeSha256"], base64.b64encode(hashlib.sha256(new).digest()).decode(), "CodeSha256")
        lam.get_waiter("function_updated_v2").wait(FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        expect(payload(lam.invoke(FunctionName=fn, Payload=b"{}"))["version"], 2, "new code runs")

    @suite.check("lambda", "add_permission for s3 + S3 notification invokes the function on put_object")
    def _():
        bucket = suite.name("boto3-notify")
        s3.create_bucket(Bucket=bucket)
        res = lam.add_permission(
            FunctionName=fn,
            StatementId="s3-invoke",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{bucket}",
        )
        expect(json.loads(res["Statement"]).get("Sid"), "s3-invoke", "Statement.Sid")
        policy = json.loads(lam.get_policy(FunctionName=fn)["Policy"])
        expect([s["Sid"] for s in policy["Statement"]], ["s3-invoke"], "policy statements")
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": fn_arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}},
                    }
                ]
            },
        )
        suite.control("DELETE", f"/_testbed/lambda/invocations?function={fn}")
        s3.put_object(Bucket=bucket, Key="raw/new file.csv", Body=b"a,b\n")
        inv = poll(
            lambda: suite.control("GET", f"/_testbed/lambda/invocations?function={fn}")["invocations"],
            lambda inv: len(inv) > 0,
            "S3 notification invocation",
        )
        record = inv[0]["payload"]["Records"][0]
        expect(record["eventSource"], "aws:s3", "eventSource")
        expect(record["s3"]["bucket"]["name"], bucket, "bucket")
        expect(record["s3"]["object"]["key"], "raw/new+file.csv", "object key (URL-encoded as S3 sends it)")
        s3.delete_object(Bucket=bucket, Key="raw/new file.csv")
        s3.delete_bucket(Bucket=bucket)

    @suite.check("lambda", "create_function from a zip in S3 (Code.S3Bucket/S3Key), invoke, delete")
    def _():
        bucket = suite.name("boto3-code")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="fn.zip", Body=code)
        name = suite.name("boto3-fn-s3")
        res = lam.create_function(
            FunctionName=name,
            Runtime="nodejs20.x",
            Role=ROLE,
            Handler="index.handler",
            Code={"S3Bucket": bucket, "S3Key": "fn.zip"},
        )
        expect(res["CodeSha256"], base64.b64encode(hashlib.sha256(code).digest()).decode(), "CodeSha256")
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        expect(payload(lam.invoke(FunctionName=name, Payload=b'{"s3": true}'))["echo"], {"s3": True}, "echo")
        lam.delete_function(FunctionName=name)
        s3.delete_object(Bucket=bucket, Key="fn.zip")
        s3.delete_bucket(Bucket=bucket)

    @suite.check("lambda", "create_function again: ResourceConflictException")
    def _():
        client_error(
            lambda: lam.create_function(
                FunctionName=fn, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": code}
            ),
            "ResourceConflictException",
            409,
            lam.exceptions.ResourceConflictException,
        )

    @suite.check("lambda", "invoke / get_function of a missing function: ResourceNotFoundException")
    def _():
        missing = suite.name("no-such-fn")
        e = client_error(
            lambda: lam.invoke(FunctionName=missing, Payload=b"{}"),
            "ResourceNotFoundException",
            404,
            lam.exceptions.ResourceNotFoundException,
        )
        # Invoke names the unqualified call's $LATEST, GetFunction does not (LocalStack's AWS-recorded snapshots,
        # test_lambda_api: test_function_name_and_qualifier_validation, test_ops_on_nonexisting_fn).
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{missing}"
        expect(e.response["Error"]["Message"], f"Function not found: {arn}:$LATEST", "Invoke message")
        e = client_error(
            lambda: lam.get_function(FunctionName=missing),
            "ResourceNotFoundException",
            404,
            lam.exceptions.ResourceNotFoundException,
        )
        expect(e.response["Error"]["Message"], f"Function not found: {arn}", "GetFunction message")

    @suite.check("lambda", "delete_function: 204, then ResourceNotFoundException")
    def _():
        res = lam.delete_function(FunctionName=fn)
        expect(res["ResponseMetadata"]["HTTPStatusCode"], 204, "status")
        client_error(lambda: lam.get_function(FunctionName=fn), "ResourceNotFoundException", 404)


# ---- Athena ------------------------------------------------------------------------------------------------------


def athena_checks(suite):
    athena = suite.client("athena")
    s3 = suite.client("s3")
    bucket = suite.name("boto3-athena")
    output = f"s3://{bucket}/results/"
    sql = "SELECT state, COUNT(*) AS n FROM patients GROUP BY state"
    st = {}

    def start(query=sql):
        return athena.start_query_execution(
            QueryString=query,
            QueryExecutionContext={"Database": "pipeline"},
            ResultConfiguration={"OutputLocation": output},
        )["QueryExecutionId"]

    def state(qid):
        return athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]

    @suite.check("athena", "start_query_execution (awsJson1_1) and poll get_query_execution to SUCCEEDED")
    def _():
        s3.create_bucket(Bucket=bucket)
        qid = start()
        expect_true(uuid.UUID(qid) is not None, "QueryExecutionId is a UUID")
        seen = [state(qid) for _ in range(3)]
        expect(seen, ["QUEUED", "RUNNING", "SUCCEEDED"], "states over three polls (default script)")
        qe = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        expect(qe["Query"], sql, "Query")
        expect(qe.get("StatementType"), "DML", "StatementType")
        expect(qe["ResultConfiguration"]["OutputLocation"], f"{output}{qid}.csv", "OutputLocation")
        expect(qe.get("WorkGroup"), "primary", "WorkGroup")
        expect(qe.get("QueryExecutionContext", {}).get("Database"), "pipeline", "QueryExecutionContext")
        status = qe["Status"]
        expect_true(hasattr(status["SubmissionDateTime"], "year"), "SubmissionDateTime not a datetime")
        expect_true(hasattr(status.get("CompletionDateTime"), "year"), "CompletionDateTime not a datetime")
        expect_true("DataScannedInBytes" in qe.get("Statistics", {}), "Statistics.DataScannedInBytes")
        st["qid"] = qid

    @suite.check("athena", "get_query_results: header row, ColumnInfo; the CSV is in S3")
    def _():
        qid = st["qid"]
        res = athena.get_query_results(QueryExecutionId=qid)
        rows = [[d.get("VarCharValue") for d in r["Data"]] for r in res["ResultSet"]["Rows"]]
        expect(rows, [["_col0"], ["1"]], "rows (default result: SELECT 1)")
        cols = res["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        expect([(c["Name"], c["Type"]) for c in cols], [("_col0", "integer")], "ColumnInfo")
        obj = s3.get_object(Bucket=bucket, Key=f"results/{qid}.csv")
        expect(obj["Body"].read(), b'"_col0"\n"1"\n', "result CSV in S3")

    @suite.check("athena", "get_query_results paginator (MaxResults=2) over a scripted result")
    def _():
        rows = [["CA", 3], ["NY", 2], ["TX", 7]]
        suite.control(
            "POST",
            "/_testbed/athena/scripts",
            {
                "script": {
                    "states": ["SUCCEEDED"],
                    "result": {"columns": ["state", {"name": "n", "type": "bigint"}], "rows": rows},
                }
            },
        )
        qid = start()
        expect(state(qid), "SUCCEEDED", "state")
        pages = list(
            athena.get_paginator("get_query_results").paginate(
                QueryExecutionId=qid, PaginationConfig={"PageSize": 2}
            )
        )
        got = [[d.get("VarCharValue") for d in r["Data"]] for p in pages for r in p["ResultSet"]["Rows"]]
        expect(got, [["state", "n"], ["CA", "3"], ["NY", "2"], ["TX", "7"]], "rows across pages")
        expect_true(len(pages) >= 2, f"pages {len(pages)}")

    @suite.check("athena", "everyMs script on the virtual clock: QUEUED → RUNNING → SUCCEEDED as the clock moves")
    def _():
        suite.control(
            "POST",
            "/_testbed/athena/scripts",
            {"script": {"states": ["QUEUED", "RUNNING", "SUCCEEDED"], "advance": {"everyMs": 60000}}},
        )
        qid = start()
        seen = [state(qid)]
        suite.advance(60_000)
        seen.append(state(qid))
        suite.advance(60_000)
        seen.append(state(qid))
        expect(seen, ["QUEUED", "RUNNING", "SUCCEEDED"], "states")

    @suite.check("athena", "get_query_results before the query finished: InvalidRequestException")
    def _():
        suite.control(
            "POST",
            "/_testbed/athena/scripts",
            {"script": {"states": ["RUNNING", "SUCCEEDED"], "advance": {"everyMs": 3600000}}},
        )
        qid = start()
        expect(state(qid), "RUNNING", "state")
        client_error(
            lambda: athena.get_query_results(QueryExecutionId=qid),
            "InvalidRequestException",
            400,
            athena.exceptions.InvalidRequestException,
        )
        st["running"] = qid

    @suite.check("athena", "stop_query_execution: CANCELLED with a reason")
    def _():
        qid = st["running"]
        athena.stop_query_execution(QueryExecutionId=qid)
        status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        expect(status["State"], "CANCELLED", "State")
        expect_true(status.get("StateChangeReason"), "StateChangeReason missing")

    @suite.check("athena", "a scripted FAILED query: StateChangeReason and AthenaError")
    def _():
        suite.control(
            "POST",
            "/_testbed/athena/scripts",
            {
                "script": {
                    "states": ["FAILED"],
                    "failure": {"reason": "TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist"},
                }
            },
        )
        qid = start("SELECT * FROM x")
        status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        expect(status["State"], "FAILED", "State")
        expect_true("TABLE_NOT_FOUND" in status.get("StateChangeReason", ""), "StateChangeReason")
        expect_true("ErrorCategory" in status.get("AthenaError", {}), "AthenaError.ErrorCategory")

    @suite.check("athena", "list_query_executions paginator and batch_get_query_execution")
    def _():
        ids = [i for p in athena.get_paginator("list_query_executions").paginate() for i in p["QueryExecutionIds"]]
        expect_true(st["qid"] in ids and st["running"] in ids, "started queries not listed")
        pages = list(athena.get_paginator("list_query_executions").paginate(PaginationConfig={"PageSize": 2}))
        expect([i for p in pages for i in p["QueryExecutionIds"]], ids, "ids across pages of two")
        unknown = str(uuid.uuid4())
        res = athena.batch_get_query_execution(QueryExecutionIds=[st["qid"], unknown])
        expect([q["QueryExecutionId"] for q in res["QueryExecutions"]], [st["qid"]], "QueryExecutions")
        expect(
            [u["QueryExecutionId"] for u in res.get("UnprocessedQueryExecutionIds", [])],
            [unknown],
            "UnprocessedQueryExecutionIds",
        )

    @suite.check("athena", "ClientRequestToken: same token same query is idempotent, other query is rejected")
    def _():
        token = "boto3-token-" + uuid.uuid4().hex
        config = {"OutputLocation": output}
        a = athena.start_query_execution(QueryString="SELECT 2", ClientRequestToken=token, ResultConfiguration=config)
        b = athena.start_query_execution(QueryString="SELECT 2", ClientRequestToken=token, ResultConfiguration=config)
        expect(b["QueryExecutionId"], a["QueryExecutionId"], "QueryExecutionId for the same token")
        client_error(
            lambda: athena.start_query_execution(
                QueryString="SELECT 3", ClientRequestToken=token, ResultConfiguration=config
            ),
            "InvalidRequestException",
            400,
            athena.exceptions.InvalidRequestException,
        )

    @suite.check("athena", "get_work_group primary / list_work_groups; unknown work group: InvalidRequestException")
    def _():
        wg = athena.get_work_group(WorkGroup="primary")["WorkGroup"]
        expect((wg["Name"], wg["State"]), ("primary", "ENABLED"), "primary work group")
        names = [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
        expect_true("primary" in names, f"work groups {names}")
        client_error(
            lambda: athena.get_work_group(WorkGroup=suite.name("nope")),
            "InvalidRequestException",
            400,
            athena.exceptions.InvalidRequestException,
        )

    @suite.check("athena", "get_query_execution of an unknown id: InvalidRequestException")
    def _():
        e = client_error(
            lambda: athena.get_query_execution(QueryExecutionId=str(uuid.uuid4())),
            "InvalidRequestException",
            400,
            athena.exceptions.InvalidRequestException,
        )
        return f"AthenaErrorCode {e.response.get('AthenaErrorCode')!r}: {e.response['Error'].get('Message')!r}"

    @suite.check("athena", "start_query_execution without an output location: InvalidRequestException")
    def _():
        client_error(
            lambda: athena.start_query_execution(QueryString="SELECT 1"),
            "InvalidRequestException",
            400,
            athena.exceptions.InvalidRequestException,
        )


# ---- Step Functions ----------------------------------------------------------------------------------------------


def sfn_checks(suite):
    sfn = suite.client("stepfunctions")
    sqs = suite.client("sqs")
    base = f"arn:aws:states:{REGION}:{ACCOUNT}"
    st = {}
    waiting = json.dumps(
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {
                    "Type": "Pass",
                    "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"},
                    "Next": "Pause",
                },
                "Pause": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
                "Done": {"Type": "Succeed"},
            },
        }
    )

    def finished(arn):
        return poll(
            lambda: sfn.describe_execution(executionArn=arn),
            lambda d: d["status"] != "RUNNING",
            f"execution {arn}",
        )

    @suite.check("stepfunctions", "create_state_machine / describe_state_machine / list_state_machines")
    def _():
        name = suite.name("boto3-machine")
        res = sfn.create_state_machine(name=name, definition=waiting, roleArn=ROLE)
        expect(res["stateMachineArn"], f"{base}:stateMachine:{name}", "stateMachineArn")
        expect_true(hasattr(res["creationDate"], "year"), "creationDate not a datetime")
        d = sfn.describe_state_machine(stateMachineArn=res["stateMachineArn"])
        expect((d["name"], d["status"], d["type"]), (name, "ACTIVE", "STANDARD"), "name/status/type")
        expect(json.loads(d["definition"]), json.loads(waiting), "definition")
        names = [m["name"] for p in sfn.get_paginator("list_state_machines").paginate() for m in p["stateMachines"]]
        expect_true(name in names, "not listed")
        pages = list(sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1}))
        expect([m["name"] for p in pages for m in p["stateMachines"]], names, "names across pages of one")
        st["machine"] = res["stateMachineArn"]

    @suite.check("stepfunctions", "update_state_machine: definition replaced, updateDate returned")
    def _():
        name = suite.name("boto3-updated")
        arn = sfn.create_state_machine(
            name=name,
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
            roleArn=ROLE,
        )["stateMachineArn"]
        new = json.dumps({"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": {"v": 2}, "End": True}}})
        res = sfn.update_state_machine(stateMachineArn=arn, definition=new)
        expect_true(hasattr(res["updateDate"], "year"), "updateDate not a datetime")
        expect(json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]), json.loads(new), "definition")
        d = finished(sfn.start_execution(stateMachineArn=arn)["executionArn"])
        expect(d.get("output"), '{"v":2}', "output of the new definition")

    @suite.check("stepfunctions", "start_execution, describe_execution to SUCCEEDED (10 s Wait on the virtual clock)")
    def _():
        res = sfn.start_execution(stateMachineArn=st["machine"], name="run-1", input='{"who":"boto3"}')
        arn = res["executionArn"]
        expect(arn, st["machine"].replace(":stateMachine:", ":execution:") + ":run-1", "executionArn")
        d = finished(arn)
        expect(d["status"], "SUCCEEDED", "status")
        expect(d["output"], '{"greeting":"hello boto3"}', "output")
        expect(d["input"], '{"who":"boto3"}', "input")
        expect(d["name"], "run-1", "name")
        expect(round((d["stopDate"] - d["startDate"]).total_seconds(), 3), 10.0, "stopDate - startDate")
        st["execution"] = arn

    @suite.check("stepfunctions", "get_execution_history paginator (maxResults 2) and reverseOrder")
    def _():
        pages = list(
            sfn.get_paginator("get_execution_history").paginate(
                executionArn=st["execution"], PaginationConfig={"PageSize": 2}
            )
        )
        events = [e for p in pages for e in p["events"]]
        expect(
            [e["type"] for e in events],
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "WaitStateEntered",
                "WaitStateExited",
                "SucceedStateEntered",
                "SucceedStateExited",
                "ExecutionSucceeded",
            ],
            "event types",
        )
        expect([e["id"] for e in events], list(range(1, len(events) + 1)), "event ids")
        expect(len(pages), (len(events) + 1) // 2, "pages")
        expect_true(all(hasattr(e["timestamp"], "year") for e in events), "timestamps not datetimes")
        lean = sfn.get_execution_history(executionArn=st["execution"], includeExecutionData=False)["events"]
        started = lean[0].get("executionStartedEventDetails", {})
        expect_true("input" not in started, f"includeExecutionData=False still returned input: {started}")
        rev = sfn.get_execution_history(executionArn=st["execution"], reverseOrder=True, maxResults=1)
        expect(rev["events"][0]["type"], "ExecutionSucceeded", "first event in reverse order")
        expect_true("nextToken" in rev, "nextToken after a full page")

    @suite.check("stepfunctions", "a Fail state: FAILED with error and cause")
    def _():
        machine = sfn.create_state_machine(
            name=suite.name("boto3-fails"),
            definition=json.dumps(
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Data.Bad", "Cause": "bad rows"}}}
            ),
            roleArn=ROLE,
        )["stateMachineArn"]
        d = finished(sfn.start_execution(stateMachineArn=machine)["executionArn"])
        expect((d["status"], d.get("error"), d.get("cause")), ("FAILED", "Data.Bad", "bad rows"), "result")

    @suite.check("stepfunctions", "callback task stays RUNNING; same name + same input is idempotent")
    def _():
        url = sqs.create_queue(QueueName=suite.name("sfn-callbacks"))["QueueUrl"]
        machine = sfn.create_state_machine(
            name=suite.name("boto3-callback"),
            definition=json.dumps(
                {
                    "StartAt": "Wait",
                    "States": {
                        "Wait": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                            "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}},
                            "End": True,
                        }
                    },
                }
            ),
            roleArn=ROLE,
        )["stateMachineArn"]
        first = sfn.start_execution(stateMachineArn=machine, name="hold", input='{"n":1}')
        drain(sqs, url, 1)
        again = sfn.start_execution(stateMachineArn=machine, name="hold", input='{"n":1}')
        expect(again["executionArn"], first["executionArn"], "executionArn of the idempotent start")
        expect(sfn.describe_execution(executionArn=first["executionArn"])["status"], "RUNNING", "status")
        st.update(callback=machine, running=first["executionArn"], callback_queue=url)

    @suite.check("stepfunctions", "send_task_success / send_task_failure with the token from SQS")
    def _():
        url = st["callback_queue"]
        ok = sfn.start_execution(stateMachineArn=st["callback"], input='{"n":10}')["executionArn"]
        token = json.loads(drain(sqs, url, 1)[0]["Body"])["token"]
        sfn.send_task_heartbeat(taskToken=token)
        sfn.send_task_success(taskToken=token, output='{"paid":true}')
        d = finished(ok)
        expect((d["status"], d.get("output")), ("SUCCEEDED", '{"paid":true}'), "after send_task_success")
        bad = sfn.start_execution(stateMachineArn=st["callback"], input='{"n":11}')["executionArn"]
        token = json.loads(drain(sqs, url, 1)[0]["Body"])["token"]
        sfn.send_task_failure(taskToken=token, error="Payment.Declined", cause="card expired")
        d = finished(bad)
        expect((d["status"], d.get("error")), ("FAILED", "Payment.Declined"), "after send_task_failure")
        client_error(
            lambda: sfn.send_task_success(taskToken=token, output="{}"),
            "TaskTimedOut",
            400,
            sfn.exceptions.TaskTimedOut,
        )
        client_error(
            lambda: sfn.send_task_success(taskToken="made-up", output="{}"),
            "InvalidToken",
            400,
            sfn.exceptions.InvalidToken,
        )
        m = sfn.describe_state_machine_for_execution(executionArn=ok)
        expect(m["stateMachineArn"], st["callback"], "describe_state_machine_for_execution")

    @suite.check("stepfunctions", "list_executions with statusFilter, paginator")
    def _():
        running = [
            e["executionArn"]
            for p in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=st["callback"], statusFilter="RUNNING"
            )
            for e in p["executions"]
        ]
        expect(running, [st["running"]], "RUNNING executions")
        done = sfn.list_executions(stateMachineArn=st["machine"], statusFilter="SUCCEEDED")["executions"]
        expect([e["executionArn"] for e in done], [st["execution"]], "SUCCEEDED executions")
        expect_true(hasattr(done[0]["stopDate"], "year"), "stopDate not a datetime")

    @suite.check("stepfunctions", "start_execution with a used name and other input: ExecutionAlreadyExists")
    def _():
        client_error(
            lambda: sfn.start_execution(stateMachineArn=st["callback"], name="hold", input='{"n":2}'),
            "ExecutionAlreadyExists",
            400,
            sfn.exceptions.ExecutionAlreadyExists,
        )
        client_error(
            lambda: sfn.start_execution(stateMachineArn=st["machine"], name="run-1", input='{"who":"boto3"}'),
            "ExecutionAlreadyExists",
            400,
            sfn.exceptions.ExecutionAlreadyExists,
            what="same name and input after the execution closed",
        )

    @suite.check("stepfunctions", "stop_execution: ABORTED with error and cause, ExecutionAborted last")
    def _():
        res = sfn.stop_execution(executionArn=st["running"], error="Operator.Stop", cause="stopped by boto3")
        expect_true(hasattr(res["stopDate"], "year"), "stopDate not a datetime")
        d = sfn.describe_execution(executionArn=st["running"])
        expect(
            (d["status"], d.get("error"), d.get("cause")), ("ABORTED", "Operator.Stop", "stopped by boto3"), "result"
        )
        events = sfn.get_execution_history(executionArn=st["running"], reverseOrder=True, maxResults=1)["events"]
        expect(events[0]["type"], "ExecutionAborted", "last event")

    @suite.check("stepfunctions", "start_execution on a missing machine: StateMachineDoesNotExist")
    def _():
        client_error(
            lambda: sfn.start_execution(stateMachineArn=f"{base}:stateMachine:{suite.name('none')}"),
            "StateMachineDoesNotExist",
            400,
            sfn.exceptions.StateMachineDoesNotExist,
        )

    @suite.check("stepfunctions", "describe_execution / get_execution_history of a missing one: ExecutionDoesNotExist")
    def _():
        missing = f"{base}:execution:{suite.name('none')}:nope"
        client_error(
            lambda: sfn.describe_execution(executionArn=missing),
            "ExecutionDoesNotExist",
            400,
            sfn.exceptions.ExecutionDoesNotExist,
        )
        client_error(
            lambda: sfn.get_execution_history(executionArn=missing),
            "ExecutionDoesNotExist",
            400,
            sfn.exceptions.ExecutionDoesNotExist,
        )

    @suite.check("stepfunctions", "start_execution with input that is not JSON: InvalidExecutionInput")
    def _():
        client_error(
            lambda: sfn.start_execution(stateMachineArn=st["machine"], input="{not json"),
            "InvalidExecutionInput",
            400,
            sfn.exceptions.InvalidExecutionInput,
        )

    @suite.check("stepfunctions", "start_execution with an invalid name: InvalidName")
    def _():
        client_error(
            lambda: sfn.start_execution(stateMachineArn=st["machine"], name="bad name with spaces"),
            "InvalidName",
            400,
            sfn.exceptions.InvalidName,
        )

    @suite.check("stepfunctions", "malformed ARNs: InvalidArn")
    def _():
        client_error(
            lambda: sfn.describe_execution(executionArn="not-an-arn"), "InvalidArn", 400, sfn.exceptions.InvalidArn
        )
        client_error(
            lambda: sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:000000000000:nope"),
            "InvalidArn",
            400,
            sfn.exceptions.InvalidArn,
        )

    @suite.check("stepfunctions", "create_state_machine: InvalidDefinition; name taken: StateMachineAlreadyExists")
    def _():
        client_error(
            lambda: sfn.create_state_machine(
                name=suite.name("bad"), definition='{"StartAt":"X","States":{}}', roleArn=ROLE
            ),
            "InvalidDefinition",
            400,
            sfn.exceptions.InvalidDefinition,
        )
        name = st["machine"].rsplit(":", 1)[1]
        other = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        client_error(
            lambda: sfn.create_state_machine(name=name, definition=other, roleArn=ROLE),
            "StateMachineAlreadyExists",
            400,
            sfn.exceptions.StateMachineAlreadyExists,
        )

    @suite.check("stepfunctions", "start_sync_execution on EXPRESS (inject_host_prefix=False, like disableHostPrefix)")
    def _():
        plain = suite.client("stepfunctions", inject_host_prefix=False)
        machine = plain.create_state_machine(
            name=suite.name("boto3-express"),
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn=ROLE,
            type="EXPRESS",
        )["stateMachineArn"]
        res = plain.start_sync_execution(stateMachineArn=machine, input='{"a":1}')
        expect((res["status"], res.get("output")), ("SUCCEEDED", '{"a":1}'), "result")

    @suite.check("stepfunctions", "delete_state_machine")
    def _():
        sfn.delete_state_machine(stateMachineArn=st["machine"])
        status = poll(
            lambda: _describe_status(sfn, st["machine"]),
            lambda s: s in ("DELETING", "GONE"),
            "state machine deletion",
        )
        return f"after delete: {status}"


def _describe_status(sfn, arn):
    try:
        return sfn.describe_state_machine(stateMachineArn=arn)["status"]
    except sfn.exceptions.StateMachineDoesNotExist:
        return "GONE"


RUNNERS = {
    "s3": s3_checks,
    "sqs": sqs_checks,
    "sns": sns_checks,
    "lambda": lambda_checks,
    "athena": athena_checks,
    "stepfunctions": sfn_checks,
}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", help="edge endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument("--services", default=",".join(SERVICES), help=f"comma-separated subset of {SERVICES}")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.services.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in RUNNERS]
    if unknown:
        parser.error(f"unknown service(s) {unknown}; choose from {SERVICES}")
    suite = Suite(args.endpoint)
    try:
        suite.control("GET", "/_testbed/health")
    except (urllib.error.URLError, OSError) as e:
        print(f"no testbed edge answers at {args.endpoint}/_testbed/health: {e}", file=sys.stderr)
        return 2
    for service in wanted:
        try:
            RUNNERS[service](suite)
        except Exception as e:  # a bug in the suite itself: report it as a failed check, go on
            suite.failed += 1
            print(json.dumps({"service": service, "check": "suite crashed", "ok": False, "detail": describe_error(e)}))
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
