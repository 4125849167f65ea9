"""Task errors."""

from labelhive_api.errors import Conflict, NotFound


class TaskNotFound(NotFound):
    code = "task_not_found"
    title = "Task not found"


class BatchNotFound(NotFound):
    code = "batch_not_found"
    title = "Batch not found"


class NoTaskAvailable(NotFound):
    code = "no_task_available"
    title = "No task is waiting for you"


class NotYourTask(Conflict):
    code = "task_not_leased"
    title = "You do not hold this task"
