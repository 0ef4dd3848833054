"""The real services the integration suite relies on answer, each under a unique name."""

import asyncpg
import ray

from actors import cluster


async def test_postgres_database_is_fresh_and_writable(postgres_url):
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        await conn.execute("CREATE TABLE t (x int)")
        await conn.execute("INSERT INTO t VALUES (1)")
        assert await conn.fetchval("SELECT count(*) FROM t") == 1
    finally:
        await conn.close()


async def test_rabbitmq_accepts_a_connection(amqp_url, unique):
    import aio_pika

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(unique, auto_delete=True)
        await channel.default_exchange.publish(aio_pika.Message(b"ping"), routing_key=unique)
        message = await queue.get(timeout=5)
        assert message.body == b"ping"
        await message.ack()


def test_local_ray_has_two_cpus(ray_local):
    assert cluster.is_connected()
    assert ray.cluster_resources()["CPU"] == 2
