"""The baselines tests are pure PyTorch: no database, no Django models."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # The 2-core machine is shared with other test runs; two spinning OpenMP threads per
    # process made small models up to 20× slower under load, one thread does not.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
