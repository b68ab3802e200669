package com.example.osscallback;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableAsync;

/** The smallest Spring Boot app around the OSS callback controller: web MVC (message converters
 * for JSON and forms on every route), Spring Security (CSRF on, sessions) and @Async slow work. */
@SpringBootApplication
@EnableAsync
public class OssCallbackApplication {
    public static void main(String[] args) {
        SpringApplication.run(OssCallbackApplication.class, args);
    }
}
