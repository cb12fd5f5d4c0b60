"""A Data Pipeline task runner written with boto3 alone (no nimbus import), as anyone's runner would be:
it polls a worker group, runs each ShellCommandActivity's command, and reports the outcome. Run as
``python datapipeline_worker.py WORKER_GROUP TASKS`` with AWS_ENDPOINT_URL and credentials in the
environment; it stops after TASKS tasks or 60 seconds without one."""
import subprocess
import sys
import time

import boto3


def main(worker_group: str, tasks: int) -> None:
    client = boto3.client("datapipeline")
    done, idle_since = 0, time.monotonic()
    while done < tasks and time.monotonic() - idle_since < 60:
        task = client.poll_for_task(workerGroup=worker_group, hostname="boto3-worker").get("taskObject")
        if not task:
            continue
        idle_since = time.monotonic()
        fields = {f["key"]: f.get("stringValue") for f in task["objects"][task["attemptId"]]["fields"]}
        client.report_task_progress(taskId=task["taskId"])
        run = subprocess.run(["sh", "-c", fields["command"]], capture_output=True, text=True)
        if run.returncode == 0:
            client.set_task_status(taskId=task["taskId"], taskStatus="FINISHED")
        else:
            client.set_task_status(taskId=task["taskId"], taskStatus="FAILED", errorId="ExitCode",
                                   errorMessage=f"exit {run.returncode}: {run.stderr[-500:]}")
        print(fields["command"], run.returncode, run.stdout.strip(), flush=True)
        done += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
