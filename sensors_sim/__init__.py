"""The simulator: realistic office air from simulated sensors over MQTT (`udara simulate`).

Library use: `sensors_sim.publisher.publish_readings(target, messages)` publishes any
(topic, payload) messages and waits for every PUBACK; `sensors_sim.stream.messages(spec, start)`
generates the simulated ones; `sensors_sim.run.run_simulation` plays them at a pace.
"""
