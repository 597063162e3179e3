from django.db import models


class DataMetering(models.TextChoices):
    PAYG = "payg", "Pay as you go"


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"
