from django.db import models


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"
