"""Only routed when BENCH_BARE_VIEW=1 (bench/intake.py): the floor to compare the
order intake API against, a bare DRF POST through the same middleware, parser and
renderer that inserts one row (into the bench's own table) in a transaction."""

import json

from django.db import connection, transaction
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView


class BareInsertView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    def post(self, request):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare_row (body) VALUES (%s) RETURNING id",
                [json.dumps(request.data)],
            )
            (row_id,) = cursor.fetchone()
        return Response({"id": row_id}, status=status.HTTP_201_CREATED)
