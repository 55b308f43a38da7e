"""EC2 DescribeRegions made with boto3 against the bundled emulator, for comparison with a
cold `regionkit regions aws --refresh` process (docs/performance.md).

Start the emulator first (`regionkit emulate --port 18080 --write-config emu.yml`), then run
`python3 crates/core/benches/boto3_describe_regions.py [ENDPOINT]`. Needs `pip install boto3`.
"""

import sys
import time

import boto3

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18080/aws"
# The emulator's documented test credentials (crates/backends/aws/src/emulator.rs).
ACCESS_KEY = "AKIAEMULATOREXAMPLE1"
SECRET_KEY = "emulator/SECRET/key/not-a-real-aws-key00"


def client():
    return boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


if __name__ == "__main__":
    started = time.perf_counter()
    regions = client().describe_regions(AllRegions=True)["Regions"]
    first = time.perf_counter() - started
    ec2 = client()
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        ec2.describe_regions(AllRegions=True)
    per_call = (time.perf_counter() - started) / runs
    print(f"{len(regions)} regions; first call with client set-up {first * 1e3:.1f} ms; "
          f"then {per_call * 1e3:.2f} ms per call in-process")
