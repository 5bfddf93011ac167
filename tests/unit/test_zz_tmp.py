import os, subprocess, sys
def test_x():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODDS_")}
    env["ODDS_PARTITIONS__PREMAKE_DAYS"] = "zero"
    p = subprocess.run([sys.executable, "-m", "streams", "settings"], env=env, capture_output=True, text=True)
    print(p.stdout, p.stderr, os.getcwd())
    assert 0
