"""The cleaning supervisor's board: work orders by status, assignment, today and calendar."""
