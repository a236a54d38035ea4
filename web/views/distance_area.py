"""The controllers of distance learning, tests, portfolio and attached files (issue #11),
registered together in web/app.py."""

from .distance import DistanceController
from .files import FilesController
from .portfolio import PortfolioController
from .quiz import QuizController

DISTANCE_CONTROLLERS = [DistanceController, QuizController, PortfolioController, FilesController]
