package com.example.osscallback;

import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/** Slow work for verified callbacks, after the reply: @Async on Boot's task executor (one worker,
 * 1000 queued, application.properties); OSS waits at most 5 s and never retries. */
@Service
public class SlowWork {
    @Async
    public void process(OssCallbackReceiver.Job job) {
        OssCallbackReceiver.slowWork(job);  // YOUR SLOW WORK GOES HERE (database, thumbnails, messages...)
    }
}
