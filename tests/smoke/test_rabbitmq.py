"""RabbitMQ from the harness is a real broker: durable queue, publish -> consume -> ack."""

import pika


def test_publish_consume_ack(rabbitmq):
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq.url))
    channel = connection.channel()
    channel.queue_declare("smoke.durable", durable=True)
    channel.basic_publish("", "smoke.durable", b"hello", pika.BasicProperties(delivery_mode=2))

    method, properties, body = None, None, None
    for _ in range(50):
        method, properties, body = channel.basic_get("smoke.durable", auto_ack=False)
        if method:
            break
        connection.sleep(0.1)
    assert body == b"hello"
    assert properties.delivery_mode == 2
    channel.basic_ack(method.delivery_tag)

    # Acked means gone: a passive declare reports an empty queue.
    assert channel.queue_declare("smoke.durable", passive=True).method.message_count == 0
    channel.queue_delete("smoke.durable")
    connection.close()


def test_durable_message_survives_broker_restart(rabbitmq):
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq.url))
    channel = connection.channel()
    channel.queue_declare("smoke.restart", durable=True)
    channel.confirm_delivery()
    channel.basic_publish("", "smoke.restart", b"keep me", pika.BasicProperties(delivery_mode=2))
    connection.close()

    rabbitmq.stop()
    rabbitmq.start()

    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq.url))
    channel = connection.channel()
    _, _, body = channel.basic_get("smoke.restart", auto_ack=True)
    assert body == b"keep me"
    channel.queue_delete("smoke.restart")
    connection.close()
